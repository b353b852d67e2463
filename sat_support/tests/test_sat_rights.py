from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatRights(SatCommon):
    """What a user's request (the web client or any RPC call) may not do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(
            cls.env,
            "sat_rights_portal",
            groups="base.group_portal",
            name="Paula Portal",
            email="paula@customer.example",
        )
        cls.portal.partner_id.parent_id = cls.customer
        cls.stranger = cls.env["res.partner"].create(
            {"name": "Other Customer's Contact", "email": "victim@other.example"}
        )

    def test_computed_state_is_not_writable(self):
        case = self._create_case(team_id=self.team.id)
        for values in (
            {"is_closed": True},
            {"date_closed": "2026-11-01 10:00:00"},
            {"invoice_status": "invoiced"},
            {"payment_state": "paid"},
            {"amount_total": 0.0},
            {"sla_status": "met"},
        ):
            with self.assertRaises(AccessError, msg=str(values)):
                case.with_user(self.sat_user).write(values)
        self.assertFalse(case.is_closed)
        self.assertFalse(self.stage_new.is_closed, "the stage was not rewritten")
        with self.assertRaises(AccessError):
            self.env["sat.case"].with_user(self.sat_user).create(
                {"name": "Born invoiced", "invoice_status": "invoiced"}
            )

    def test_case_stays_in_the_users_companies(self):
        case = self._create_case(team_id=self.team.id)
        with self.assertRaises(AccessError):
            case.with_user(self.sat_user).write({"company_id": self.company_2.id})
        with self.assertRaises(AccessError):
            self.env["sat.case"].with_user(self.sat_user).create(
                {"name": "Elsewhere", "company_id": self.company_2.id}
            )
        self.assertEqual(case.company_id, self.company)

    def test_portal_post_reaches_only_the_followers(self):
        case = self._create_case(reporter_id=self.portal.partner_id.id)
        self.assertIn(self.portal.partner_id, case.message_partner_ids)
        case.message_subscribe(partner_ids=self.contact.ids)
        message = case.with_user(self.portal).message_post(
            body="Please also tell them",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=(self.stranger | self.contact).ids,
        )
        self.assertEqual(message.sudo().partner_ids, self.contact)
        # The portal's share-link route posts in superuser mode: the same holds.
        message = (
            case.with_user(self.portal)
            .sudo()
            .message_post(
                body="Through the share link",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=self.stranger.ids,
            )
        )
        self.assertFalse(message.partner_ids)
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", self.stranger.ids)])
        )
        # Staff may still write to whom they want.
        message = case.with_user(self.sat_manager).message_post(
            body="Copy", partner_ids=self.stranger.ids, message_type="comment"
        )
        self.assertEqual(message.partner_ids, self.stranger)

    def test_portal_reads_no_internal_work(self):
        case = self._create_case(
            reporter_id=self.portal.partner_id.id,
            diagnosis="<p>Our internal analysis</p>",
            solution="<p>Draft solution</p>",
        )
        as_portal = case.with_user(self.portal)
        self.assertEqual(as_portal.read(["name"])[0]["name"], case.name)
        for fname in ("diagnosis", "solution"):
            with self.assertRaises(AccessError, msg=fname):
                as_portal.read([fname])
        self.assertNotIn("diagnosis", as_portal.fields_get())

    def test_sla_statuses_follow_the_case_rules(self):
        policy = self.env["sat.sla"].create(
            {
                "name": "Solved within a day",
                "work_hours": 8,
                "team_ids": self.team_2.ids,
                "stage_id": self.stage_closed.id,
            }
        )
        other = self._create_case(name="Secret of team 2", team_id=self.team_2.id)
        self.assertIn(policy, other.sla_ids.sla_id)
        Status = self.env["sat.case.sla"].with_user(self.sat_user)
        self.assertFalse(Status.search([("case_id", "=", other.id)]))
        with self.assertRaises(AccessError):
            other.sla_ids.with_user(self.sat_user).read(["case_id"])
        self.assertTrue(
            self.env["sat.case.sla"]
            .with_user(self.sat_user_2)
            .search([("case_id", "=", other.id)])
        )

    def test_wizards_belong_to_their_creator(self):
        case = self._create_solved_case([(self.pump, 500)], team_id=self.team.id)
        action = case.with_user(self.sat_user).action_close()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertTrue(wizard.with_user(self.sat_user).line_ids)
        for who in (self.sat_user_2, self.sat_manager):
            with self.assertRaises(AccessError, msg=who.login):
                wizard.with_user(who).read(["case_ids"])
            with self.assertRaises(AccessError, msg=who.login):
                wizard.line_ids.with_user(who).read(["quantity_needed"])

    def test_supply_prices_and_discounts(self):
        case = self._create_case(team_id=self.team.id)
        Line = self.env["sat.case.line"]
        with self.assertRaises(ValidationError):
            Line.with_user(self.sat_user).create(
                {"case_id": case.id, "product_id": self.service.id, "discount": 150}
            )
        with self.assertRaises(ValidationError):
            Line.with_user(self.sat_user).create(
                {"case_id": case.id, "product_id": self.service.id, "price_unit": -50}
            )
        credit = Line.with_user(self.sat_manager).create(
            {"case_id": case.id, "product_id": self.service.id, "price_unit": -50}
        )
        self.assertEqual(credit.price_subtotal, -50)
        with self.assertRaises(ValidationError):
            credit.with_user(self.sat_manager).discount = -5

    def test_blank_solution_is_no_solution(self):
        for blank in ("<p> </p>", "<p>&nbsp;</p>", "<p><br></p>", "   "):
            case = self._create_case(solution=blank)
            with self.assertRaises(ValidationError, msg=blank):
                case.stage_id = self.stage_closed

    def test_responsible_is_an_internal_user(self):
        with self.assertRaises(ValidationError):
            self._create_case(user_id=self.portal.id)
        case = self._create_case()
        with self.assertRaises(ValidationError):
            case.user_id = self.portal

    def test_share_link_reset_on_new_customer_or_archive(self):
        case = self._create_case()
        case._portal_ensure_token()
        token = case.access_token
        self.assertTrue(token)
        other = self.env["res.partner"].create(
            {"name": "New Owner", "is_company": True}
        )
        case.with_user(self.sat_manager).partner_id = other
        self.assertFalse(case.access_token, "the old link no longer opens the case")
        case._portal_ensure_token()
        self.assertNotEqual(case.access_token, token)
        token = case.access_token
        case.with_user(self.sat_manager).active = False
        self.assertFalse(case.access_token)

    def test_manager_may_not_write_system_fields_either(self):
        case = self._create_case(
            line_ids=[Command.create({"product_id": self.pump.id})]
        )
        with self.assertRaises(AccessError):
            case.with_user(self.sat_manager).write({"amount_untaxed": 1.0})
