from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSatPortal(HttpCase):
    """The customer's cases on the portal, through Odoo's real HTTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.account = cls.env["res.partner"].create(
            {"name": "Portal Coffee", "is_company": True}
        )
        cls.portal_user = new_test_user(
            cls.env,
            "sat_portal",
            groups="base.group_portal",
            name="Pia Portal",
            email="pia@portal-coffee.example",
        )
        cls.portal_user.partner_id.parent_id = cls.account
        cls.other = cls.env["res.partner"].create(
            {"name": "Other Roastery", "is_company": True}
        )
        Case = cls.env["sat.case"]
        cls.case = Case.create(
            {
                "name": "Grinder jams",
                "partner_id": cls.account.id,
                "symptom": "<p>It stops after two cups</p>",
            }
        )
        cls.colleague_case = Case.create(
            {"name": "Reported by a colleague", "partner_id": cls.account.id}
        )
        cls.other_case = Case.create(
            {"name": "Someone else's case", "partner_id": cls.other.id}
        )

    def test_my_cases(self):
        self.authenticate("sat_portal", "sat_portal")
        home = self.url_open("/my?sat_case_count=1")
        self.assertIn("/my/cases", home.text)
        page = self.url_open("/my/cases")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.case.reference, page.text)
        self.assertIn(self.colleague_case.reference, page.text, "same account")
        self.assertNotIn(self.other_case.reference, page.text)
        closed = self.url_open("/my/cases?filterby=closed")
        self.assertNotIn(self.case.reference, closed.text)

    def test_case_page_and_answer(self):
        self.authenticate("sat_portal", "sat_portal")
        page = self.url_open(f"/my/cases/{self.case.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn("Grinder jams", page.text)
        self.assertIn("It stops after two cups", page.text)
        self.assertIn('data-res_model="sat.case"', page.text, "the chatter")
        # The customer answers from the portal: the message lands on the case.
        self.make_jsonrpc_request(
            "/mail/message/post",
            {
                "thread_model": "sat.case",
                "thread_id": self.case.id,
                "post_data": {
                    "body": "Here is a video of it",
                    "message_type": "comment",
                    "subtype_xmlid": "mail.mt_comment",
                },
            },
        )
        answer = self.case.message_ids.filtered(
            lambda m: m.author_id == self.portal_user.partner_id
        )
        self.assertIn("Here is a video of it", answer.body)

    def test_other_accounts_case_is_refused(self):
        self.authenticate("sat_portal", "sat_portal")
        page = self.url_open(f"/my/cases/{self.other_case.id}")
        self.assertTrue(page.url.endswith("/my"), page.url)
        self.assertNotIn("Someone else&#39;s case", page.text)
        self.assertNotIn("Someone else's case", page.text)

    def test_link_with_token_for_a_customer_without_login(self):
        url = self.other_case._get_share_url(redirect=False)
        self.assertIn("access_token=", url)
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertIn("Someone else", page.text)
        wrong = self.url_open(f"/my/cases/{self.other_case.id}?access_token=wrong")
        self.assertNotIn("Someone else", wrong.text)

    def test_cancelled_is_not_green_like_solved(self):
        cancelled = self.env["sat.case"].create(
            {"name": "Duplicate request", "partner_id": self.account.id}
        )
        cancelled.action_cancel()
        self.assertTrue(cancelled.is_cancel)
        self.authenticate("sat_portal", "sat_portal")
        page = self.url_open(f"/my/cases/{cancelled.id}").text
        self.assertIn("badge rounded-pill float-end text-bg-secondary", page)
        self.assertNotIn("text-bg-success", page)
        listing = self.url_open("/my/cases").text
        self.assertIn("text-bg-secondary", listing)
