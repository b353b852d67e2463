from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestSatPortalAnswerTour(HttpCase):
    """The portal in headless Chromium, as the customer uses it."""

    def test_answer_moves_the_case_and_the_page_shows_it(self):
        waiting = self.env.ref("sat_support.sat_case_stage_waiting")
        in_progress = self.env.ref("sat_support.sat_case_stage_in_progress")
        waiting.reply_stage_id = in_progress
        account = self.env["res.partner"].create(
            {"name": "Tour Portal Coffee", "is_company": True}
        )
        portal = new_test_user(
            self.env,
            "sat_tour_portal",
            groups="base.group_portal",
            email="pat@tour-portal.example",
        )
        portal.partner_id.parent_id = account
        case = self.env["sat.case"].create(
            {"name": "Tour: waiting for a photo", "partner_id": account.id}
        )
        case.stage_id = waiting
        self.start_tour(
            f"/my/cases/{case.id}", "sat_portal_answer_tour", login=portal.login
        )
        self.assertEqual(case.stage_id, in_progress)
