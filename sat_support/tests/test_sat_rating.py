import re

from odoo.tests import HttpCase, new_test_user, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatRating(SatCommon):
    """The customer rates the service when the case is solved (Odoo's rating)."""

    def _solved_case(self, **values):
        case = self._create_case(
            reporter_id=self.contact.id,
            team_id=self.team.id,
            user_id=self.sat_user.id,
            solution="<p>Gasket replaced</p>",
            **values,
        )
        case.action_close()
        return case

    def _requests(self, case):
        return (
            self.env["mail.mail"]
            .search([("model", "=", "sat.case"), ("res_id", "=", case.id)])
            .filtered(lambda mail: "/rate/" in mail.body_html)
        )

    def test_request_sent_when_solved(self):
        case = self._create_case(reporter_id=self.contact.id, solution="<p>Done</p>")
        self.assertFalse(self._requests(case), "not before it is solved")
        case.action_close()
        request = self._requests(case)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.recipient_ids, self.contact)
        rating = case.rating_ids
        self.assertEqual(rating.partner_id, self.contact)
        self.assertIn(f"/rate/{rating.access_token}/1", request.body_html)
        cancelled = self._create_case(reporter_id=self.contact.id)
        cancelled.action_cancel()
        self.assertFalse(self._requests(cancelled), "a cancelled case asks nothing")

    def test_low_rating_calls_the_team_leader(self):
        self.team.user_id = self.sat_manager
        happy, unhappy = self._solved_case(), self._solved_case()
        happy.rating_apply(5, token=happy._rating_get_access_token())
        unhappy.rating_apply(
            1, token=unhappy._rating_get_access_token(), feedback="Two weeks to fix"
        )
        self.assertFalse(happy.activity_ids)
        activity = unhappy.activity_ids
        self.assertEqual(activity.user_id, self.sat_manager)
        self.assertIn("Two weeks to fix", activity.summary)
        self.assertEqual(unhappy.rating_last_value, 1)
        self.assertTrue(
            unhappy.message_ids.filtered(lambda m: m.rating_id),
            "the rating is in the chatter",
        )


@tagged("post_install", "-at_install")
class TestSatRatingPortal(HttpCase):
    def test_rate_from_the_portal(self):
        account = self.env["res.partner"].create(
            {"name": "Rating Coffee", "is_company": True}
        )
        portal_user = new_test_user(
            self.env,
            "sat_rating_portal",
            groups="base.group_portal",
            name="Rita Portal",
            email="rita@rating-coffee.example",
        )
        portal_user.partner_id.parent_id = account
        leader = new_test_user(
            self.env, "sat_rating_leader", groups="sat_support.group_sat_manager"
        )
        team = self.env["sat.team"].create(
            {"name": "Rating team", "user_id": leader.id}
        )
        case = self.env["sat.case"].create(
            {
                "name": "Steam wand",
                "team_id": team.id,
                "partner_id": account.id,
                "reporter_id": portal_user.partner_id.id,
                "solution": "<p>Nozzle cleaned</p>",
            }
        )
        case.action_close()
        self.authenticate("sat_rating_portal", "sat_rating_portal")
        page = self.url_open(f"/my/cases/{case.id}")
        self.assertEqual(page.status_code, 200)
        link = re.search(r'href="(/rate/[^/"]+)/1"', page.text)
        self.assertTrue(link, "the three faces on the solved case's page")
        face = self.url_open(f"{link.group(1)}/1")
        self.assertEqual(face.status_code, 200)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', face.text).group(1)
        self.url_open(
            f"{link.group(1)}/submit_feedback",
            data={"rate": 1, "feedback": "Cold coffee all week", "csrf_token": csrf},
        )
        case.invalidate_recordset()
        self.assertEqual(case.rating_last_value, 1)
        self.assertEqual(case.rating_ids.feedback, "Cold coffee all week")
        self.assertEqual(
            case.activity_ids.user_id, leader, "the low rating calls someone back"
        )
