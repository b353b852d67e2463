from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSatTours(HttpCase):
    """The web client in headless Chromium, as a SAT user uses it."""

    def test_create_a_case_in_the_web_client(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Roastery", "is_company": True}
        )
        self.start_tour("/odoo", "sat_case_tour", login="admin")
        case = self.env["sat.case"].search([("name", "=", "Tour: the grinder jams")])
        self.assertEqual(case.partner_id, customer)
        self.assertTrue(case.reference.startswith("SAT/"))
        self.assertEqual(case.stage_id, self.env.ref("sat_support.sat_case_stage_new"))

    def test_star_on_a_new_case_saves_nothing(self):
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Star Roastery",
                "is_company": True,
                "email": "s@star.example",
            }
        )
        case_messages = [("model", "=", "sat.case")]
        messages = self.env["mail.message"].search_count(case_messages)
        mails = self.env["mail.mail"].search_count([])
        self.start_tour("/odoo", "sat_case_priority_tour", login="admin")
        self.assertFalse(
            self.env["sat.case"].search([("partner_id", "=", customer.id)]),
            "the star click created no case",
        )
        self.assertEqual(self.env["mail.message"].search_count(case_messages), messages)
        self.assertEqual(self.env["mail.mail"].search_count([]), mails)

    def test_reporter_offers_the_customers_contacts(self):
        customer = self.env["res.partner"].create(
            {"name": "Tour Contacts Roastery", "is_company": True}
        )
        self.env["res.partner"].create(
            [
                {"name": "Cora Contact", "parent_id": customer.id},
                {"name": "Cora Elsewhere"},
            ]
        )
        case = self.env["sat.case"].create(
            {"name": "Tour: who reported it", "partner_id": customer.id}
        )
        self.start_tour(
            f"/odoo/action-sat_support.sat_case_action/{case.id}",
            "sat_case_reporter_tour",
            login="admin",
        )
        self.assertFalse(case.is_cancel, "'Keep it' kept it")

    def test_team_and_responsible_shown_before_saving(self):
        technician = new_test_user(
            self.env,
            "sat_tour_tech",
            groups="sat_support.group_sat_user",
            name="Tour Technician",
        )
        team = self.env["sat.team"].create(
            {"name": "Tour Pool", "member_ids": [Command.set(technician.ids)]}
        )
        self.env["sat.case.category"].create({"name": "Tour Pumps", "team_id": team.id})
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Assigned Roastery",
                "is_company": True,
                "sat_responsible_id": technician.id,
            }
        )
        self.start_tour(
            "/odoo/action-sat_support.sat_case_action/new",
            "sat_case_assignment_tour",
            login="admin",
        )
        case = self.env["sat.case"].search([("partner_id", "=", customer.id)])
        self.assertEqual((case.team_id, case.user_id), (team, technician))
