from odoo.tests import new_test_user, tagged

from odoo.addons.sat_support.batch_reads import batch_reads

from .common import SatMailRoutingCase


@tagged("post_install", "-at_install")
class TestSatMailRouting(SatMailRoutingCase):
    """Whose case a mail becomes, and when it answers one, with no mail server."""

    def test_known_contact_stranger_and_portal_contact(self):
        portal = new_test_user(
            self.env,
            "acme_portal",
            groups="base.group_portal",
            email="pablo@acme.example",
        )
        portal.partner_id.parent_id = self.acme
        cases = [
            self._receive(self.acme, "Ana Known <ana@acme.example>", "Grinder noise"),
            self._receive(self.acme, "New Person <new@elsewhere.example>", "No heat"),
            self._receive(self.acme, "Pablo <pablo@acme.example>", "Leaks"),
        ]
        for case in cases:
            self.assertEqual(case.partner_id, self.acme, case.name)
            self.assertEqual(case.user_id, self.responsible, case.name)
        self.assertEqual(cases[0].reporter_id, self.known)
        self.assertEqual(cases[1].reporter_id.parent_id, self.acme)
        self.assertEqual(cases[1].reporter_id.email, "new@elsewhere.example")
        self.assertEqual(cases[2].reporter_id, portal.partner_id)
        # The customer's mail keeps its sender; what the case sends is written from
        # the support address, through the customer's server.
        self.env.cr.precommit.run()
        received = cases[0].message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(received.email_from, '"Ana Known" <ana@acme.example>')
        sent = self.env["mail.mail"].search(
            [("model", "=", "sat.case"), ("res_id", "=", cases[0].id)]
        )
        self.assertTrue(sent)
        self.assertEqual(
            set(sent.mapped("email_from")), {'"ACME Coffee" <sat.acme@support.example>'}
        )
        self.assertEqual(sent.mail_server_id, self.acme.sat_mail_server_id)

    def test_answers_join_their_case_of_the_same_customer_only(self):
        case = self._receive(self.acme, "Ana Known <ana@acme.example>", "Pump broken")
        first = case.message_ids.filtered(lambda m: m.message_type == "email")
        by_reference = self._receive(
            self.acme,
            "Ana Known <ana@acme.example>",
            "Re: Pump broken",
            headers={"In-Reply-To": first.message_id, "References": first.message_id},
        )
        by_subject = self._receive(
            self.acme, "Ana Known <ana@acme.example>", f"About {case.reference}"
        )
        self.assertEqual(by_reference, case)
        self.assertEqual(by_subject, case)
        # Bolt's mailbox never reaches an ACME case, whatever the mail names.
        elsewhere = self._receive(
            self.bolt,
            "Ana Known <ana@acme.example>",
            f"Re: {case.reference}",
            headers={"In-Reply-To": first.message_id, "References": first.message_id},
        )
        self.assertNotEqual(elsewhere, case)
        self.assertEqual(elsewhere.partner_id, self.bolt)

    def test_automatic_mails_open_no_case(self):
        Case = self.env["sat.case"]
        before = Case.search_count([])
        for headers in (
            {"Auto-Submitted": "auto-replied"},
            {"Precedence": "bulk"},
            {"List-Id": "<news.acme.example>"},
        ):
            self._receive(
                self.acme,
                "Robot <robot@acme.example>",
                "Out of office",
                headers=headers,
            )
        self._receive(self.acme, "MAILER-DAEMON <mailer-daemon@acme.example>", "Hi")
        self._receive(self.acme, "Ana <ana@acme.example>", "Undeliverable: your mail")
        self.assertEqual(Case.search_count([]), before)

    def test_same_mail_twice_is_one_case(self):
        Case = self.env["sat.case"]
        before = Case.search_count([])
        options = {"message_id": "<same-mail@acme.example>"}
        self._receive(self.acme, "Ana <ana@acme.example>", "Twice", **options)
        again = self._receive(self.acme, "Ana <ana@acme.example>", "Twice", **options)
        self.assertFalse(again, "Odoo knows the Message-Id: nothing is done")
        self.assertEqual(Case.search_count([]), before + 1)

    def test_a_mail_from_a_bounced_address_resets_its_bounces(self):
        """The address works again: its bounce count, which Odoo uses to stop
        writing to it, starts over (whatever name the mail shows)."""
        self.known.message_bounce = 3
        other = self.env["res.partner"].create(
            {
                "name": "Still Bouncing",
                "email": "gone@acme.example",
                "message_bounce": 2,
            }
        )
        self._receive(self.acme, "Ana Known <ana@acme.example>", "I am back")
        self.assertEqual(self.known.message_bounce, 0)
        self.assertEqual(other.message_bounce, 2)

    def test_recipients_in_a_group_of_mails(self):
        """Who a mail is addressed to is looked up once a group for the support
        address alone; a mail that also names someone else still finds them."""
        colleague = self.env["res.partner"].create(
            {"name": "Carla Colleague", "email": "carla@acme.example"}
        )
        with batch_reads(self.env):
            alone = self._receive(self.acme, "Ana Known <ana@acme.example>", "A")
            copied = self._receive(
                self.acme,
                "Ana Known <ana@acme.example>",
                "B",
                headers={"Cc": "Carla Colleague <carla@acme.example>"},
            )
            again = self._receive(self.acme, "Ana Known <ana@acme.example>", "C")
        received = {
            case.name: case.message_ids.filtered(lambda m: m.message_type == "email")
            for case in (alone, copied, again)
        }
        self.assertEqual(received["B"].partner_ids, colleague)
        self.assertFalse(received["A"].partner_ids)
        self.assertFalse(received["C"].partner_ids)
