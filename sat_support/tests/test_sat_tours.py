from odoo.tests import HttpCase, tagged


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
