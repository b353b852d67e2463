from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSatReportsTour(HttpCase):
    """The dashboard and the analysis in headless Chromium, as a SAT manager."""

    def test_dashboard_in_the_web_client(self):
        manager = new_test_user(
            self.env,
            "sat_tour_manager",
            groups="sat_support.group_sat_manager",
            company_id=self.env.company.id,
        )
        # The manager's view of the figures: three open cases of a company of their own.
        company = self.env["res.company"].create({"name": "Tour Company"})
        manager.write({"company_ids": [(6, 0, company.ids)], "company_id": company.id})
        customer = self.env["res.partner"].create({"name": "Tour Roastery"})
        self.env["sat.case"].create(
            [
                {
                    "name": f"Tour case {i}",
                    "partner_id": customer.id,
                    "company_id": company.id,
                }
                for i in range(3)
            ]
        )
        self.start_tour("/odoo", "sat_reports_tour", login="sat_tour_manager")
