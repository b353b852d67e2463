import re

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import deliver_serial


@tagged("post_install", "-at_install")
class TestSatPortalNewCase(HttpCase):
    """A customer opens a case on the portal, through Odoo's real HTTP server: the
    unit chosen from what the account was delivered, the case on the path of a
    mail."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.account = env["res.partner"].create(
            {"name": "Portal Roasters", "is_company": True}
        )
        cls.portal_user = new_test_user(
            env,
            "sat_portal_new",
            groups="base.group_portal",
            name="Nora Portal",
            email="nora@roasters.example",
        )
        cls.portal_user.partner_id.parent_id = cls.account
        cls.other = env["res.partner"].create(
            {"name": "Other Roastery", "is_company": True}
        )
        cls.machine = env["product.product"].create(
            {
                "name": "Portal Espresso X",
                "is_storable": True,
                "tracking": "serial",
                "sat_warranty_months": 24,
            }
        )
        cls.lot = env["stock.lot"].create(
            {"name": "PX-0001", "product_id": cls.machine.id}
        )
        cls.other_lot = env["stock.lot"].create(
            {"name": "PX-0002", "product_id": cls.machine.id}
        )
        cls._deliver(cls.lot, cls.account)
        cls._deliver(cls.other_lot, cls.other)
        cls.member = new_test_user(
            env, "portal_case_tech", groups="sat_support.group_sat_user", name="Tech"
        )
        team = env["sat.team"].create(
            {
                "name": "Portal Workshop",
                "assign_method": "round_robin",
                "member_ids": [Command.set(cls.member.ids)],
            }
        )
        cls.category = env["sat.case.category"].create(
            {"name": "Leaks (portal test)", "team_id": team.id}
        )
        env["sat.classification.rule"].create(
            {
                "name": "Leaks (portal test)",
                "keywords": "leaks",
                "category_id": cls.category.id,
            }
        )
        env["sat.sla"].create(
            {
                "name": "Leaks answered in 4 hours (portal test)",
                "category_ids": [Command.set(cls.category.ids)],
                "target": "first_response",
                "work_hours": 4,
            }
        )

    @classmethod
    def _deliver(cls, lot, partner):
        deliver_serial(cls.env, lot, partner)

    def _form(self):
        page = self.url_open("/my/cases/new")
        self.assertEqual(page.status_code, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return page, token

    def _cases(self):
        return self.env["sat.case"].search([("partner_id", "=", self.account.id)])

    def test_portal_case_with_a_serial_under_warranty(self):
        self.authenticate("sat_portal_new", "sat_portal_new")
        page, token = self._form()
        self.assertIn("PX-0001", page.text)
        self.assertIn("under warranty until", page.text)
        self.assertNotIn("PX-0002", page.text, "another customer's serial")
        answer = self.url_open(
            "/my/cases/new",
            data={
                "csrf_token": token,
                "unit": f"lot-{self.lot.id}",
                "name": "Machine leaks",
                "symptom": "Water under the machine\nsince Monday",
            },
            files={"attachments": ("leak.jpg", b"jpeg bytes", "image/jpeg")},
        )
        case = self._cases()
        self.assertEqual(len(case), 1)
        self.assertTrue(answer.url.endswith(f"/my/cases/{case.id}"), answer.url)
        self.assertIn("Machine leaks", answer.text)
        self.assertEqual(case.reporter_id, self.portal_user.partner_id)
        self.assertEqual(case.lot_id, self.lot)
        self.assertEqual(case.product_id, self.machine)
        self.assertEqual(case.case_type, "warranty", "proposed from the warranty")
        self.assertIn("since Monday", case.symptom)
        # The path of a mail: classified, assigned, under its SLA, acknowledged.
        self.assertEqual(case.category_id, self.category)
        self.assertEqual(case.user_id, self.member)
        self.assertTrue(case.sla_ids)
        self.assertTrue(
            case.message_ids.filtered(
                lambda m: (
                    m.message_type == "auto_comment"
                    and self.portal_user.partner_id in m.partner_ids
                )
            ),
            "acknowledged by mail",
        )
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "sat.case"), ("res_id", "=", case.id)]
        )
        self.assertEqual(attachment.name, "leak.jpg")
        self.assertEqual(attachment.raw, b"jpeg bytes")
        # She sees it in her list.
        self.assertIn(case.reference, self.url_open("/my/cases").text)

    def test_portal_case_errors_in_the_customers_language(self):
        self.env["res.lang"]._activate_lang("es_ES")
        self.env["ir.module.module"].search(
            [("name", "=", "sat_support")]
        )._update_translations(["es_ES"])
        self.portal_user.lang = "es_ES"
        self.authenticate("sat_portal_new", "sat_portal_new")
        _page, token = self._form()
        answer = self.url_open(
            "/my/cases/new",
            data={
                "csrf_token": token,
                "unit": f"lot-{self.other_lot.id}",
                "name": "",
                "symptom": "",
            },
        )
        self.assertEqual(answer.status_code, 200)
        self.assertIn("Describa la avería", answer.text)
        self.assertIn("Elija una de las unidades", answer.text)
        self.assertFalse(self._cases(), "nothing created")
        self.assertFalse(
            self.env["sat.case"].search([("lot_id", "=", self.other_lot.id)])
        )

    def test_case_without_a_unit_and_dates(self):
        self.authenticate("sat_portal_new", "sat_portal_new")
        _page, token = self._form()
        before = fields.Datetime.now()
        self.url_open(
            "/my/cases/new",
            data={
                "csrf_token": token,
                "name": "Question",
                "symptom": "How to descale?",
            },
        )
        case = self._cases()
        self.assertEqual(len(case), 1)
        self.assertFalse(case.lot_id)
        self.assertEqual(case.case_type, "billable")
        self.assertGreaterEqual(case.date_received, before.replace(microsecond=0))
