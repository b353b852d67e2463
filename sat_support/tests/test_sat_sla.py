from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SatCommon, office_hours_calendar

FRIDAY_17H = datetime(2026, 11, 20, 17, 0)


@tagged("post_install", "-at_install")
class SatSlaCommon(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = office_hours_calendar(cls.env, "Mon-Fri 8-17 (test)")
        cls.team.user_id = cls.sat_manager
        cls.solve_sla = cls.env["sat.sla"].create(
            {
                "name": "Solve in 8 hours",
                "stage_id": cls.stage_closed.id,
                "work_hours": 8,
                "calendar_id": cls.calendar.id,
                "warning_ratio": 75,
                "team_ids": [Command.set(cls.team.ids)],
            }
        )
        cls.env["sat.sla"].search([("id", "!=", cls.solve_sla.id)]).active = False

    @classmethod
    def _sla_case(cls, received=FRIDAY_17H, **values):
        """A case created when it is received, whatever the real clock says."""
        with freeze_time(received):
            return cls._create_case(
                date_received=received,
                team_id=cls.team.id,
                user_id=cls.sat_user.id,
                **values,
            )


@tagged("post_install", "-at_install")
class TestSatSla(SatSlaCommon):
    def test_deadline_in_working_hours_over_a_weekend(self):
        case = self._sla_case()
        status = case.sla_ids
        self.assertEqual(status.sla_id, self.solve_sla)
        self.assertEqual(status.deadline, datetime(2026, 11, 23, 16, 0), "Monday 16:00")
        self.assertEqual(
            status.warning_date, datetime(2026, 11, 23, 14, 0), "75 %: 6 h"
        )
        self.assertEqual(case.sla_deadline, status.deadline)

    def test_working_hours_to_close(self):
        self.company.resource_calendar_id = self.calendar
        case = self._sla_case(received=datetime(2026, 11, 20, 15, 0))  # Friday 15:00
        self.assertEqual(case.work_hours_to_close, 0.0, "still open")
        with freeze_time(datetime(2026, 11, 23, 10, 0)):  # Monday 10:00
            case.write({"solution": "<p>Done</p>", "stage_id": self.stage_closed.id})
            self.env.flush_all()  # the closing date is computed now, not later
        # Friday 15:00-17:00 and Monday 08:00-10:00; the weekend does not count.
        self.assertEqual(case.work_hours_to_close, 4.0)

    def test_deadline_across_a_night(self):
        case = self._sla_case(received=datetime(2026, 11, 24, 15, 0))  # Tuesday
        self.assertEqual(case.sla_ids.deadline, datetime(2026, 11, 25, 14, 0))

    def test_deadline_skips_a_public_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday (test)",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 11, 23, 0, 0),
                "date_to": datetime(2026, 11, 23, 23, 59),
            }
        )
        case = self._sla_case()
        self.assertEqual(
            case.sla_ids.deadline, datetime(2026, 11, 24, 16, 0), "Tuesday 16:00"
        )

    def test_only_matching_policies_apply(self):
        self.assertFalse(
            self._create_case(team_id=self.team_2.id).sla_ids, "other team"
        )
        typed = self.env["sat.sla"].create(
            {
                "name": "Warranty only",
                "stage_id": self.stage_diagnosis.id,
                "work_hours": 2,
                "calendar_id": self.calendar.id,
                "case_type": "warranty",
                "priority": "1",
            }
        )
        self.assertNotIn(typed, self._sla_case(case_type="billable").sla_ids.sla_id)
        self.assertNotIn(
            typed, self._sla_case(case_type="warranty", priority="0").sla_ids.sla_id
        )
        self.assertIn(
            typed, self._sla_case(case_type="warranty", priority="2").sla_ids.sla_id
        )

    def test_at_risk_then_breached_warned_once(self):
        case = self._sla_case()
        Status = self.env["sat.case.sla"]
        activities = self.env["mail.activity"].search
        warning_type = self.env.ref("sat_support.mail_activity_type_sla_warning")
        domain = [("res_id", "=", case.id), ("activity_type_id", "=", warning_type.id)]
        with freeze_time("2026-11-23 13:59:00"):
            Status._cron_check_sla()
            self.assertEqual(case.sla_status, "on_track")
            self.assertFalse(activities(domain))
        with freeze_time("2026-11-23 14:30:00"):
            Status._cron_check_sla()
            Status._cron_check_sla()
            self.assertEqual(case.sla_status, "at_risk")
            warning = activities(domain)
            self.assertEqual(len(warning), 1, "warned once")
            self.assertEqual(warning.user_id, self.sat_user, "the responsible")
            self.assertIn("SLA at risk: Solve in 8 hours", warning.summary)
        with freeze_time("2026-11-23 16:30:00"):
            Status._cron_check_sla()
            Status._cron_check_sla()
            self.assertEqual(case.sla_status, "breached")
            breach = activities(domain) - warning
            self.assertEqual(len(breach), 1, "warned once")
            self.assertEqual(breach.user_id, self.sat_manager, "the team leader")
            self.assertIn("SLA breached", breach.summary)
            self.assertIn(
                case, self.env["sat.case"].search([("sla_status", "=", "breached")])
            )

    def test_case_created_late_is_breached_at_once(self):
        with freeze_time("2026-11-25 10:00:00"):
            case = self._create_case(
                date_received=FRIDAY_17H, team_id=self.team.id, user_id=self.sat_user.id
            )
        self.assertEqual(case.sla_status, "breached")

    def test_met_when_the_target_stage_is_reached(self):
        case = self._sla_case(solution="<p>Fixed</p>")
        with freeze_time("2026-11-23 10:00:00"):
            case.action_close()
        self.assertEqual(case.sla_ids.status, "met")
        self.assertEqual(case.sla_ids.reached_date, datetime(2026, 11, 23, 10, 0))
        self.assertEqual(case.sla_status, "met")
        self.assertFalse(case.sla_deadline)
        with freeze_time("2026-11-24 10:00:00"):
            self.env["sat.case.sla"]._cron_check_sla()
        self.assertEqual(
            case.sla_status, "met", "a reached target is never breached later"
        )

    def _first_response_sla(self):
        return self.env["sat.sla"].create(
            {
                "name": "Answer in 2 hours",
                "target": "first_response",
                "work_hours": 2,
                "calendar_id": self.calendar.id,
                "team_ids": [Command.set(self.team.ids)],
            }
        )

    def test_met_by_the_first_public_answer_of_the_team(self):
        # Friday 17:00 + 2 working hours: Monday 10:00. Neither the customer's own
        # message, nor an internal note, nor a stage change is an answer.
        sla = self._first_response_sla()
        case = self._sla_case()
        status = case.sla_ids.filtered(lambda s: s.sla_id == sla)
        self.assertEqual(status.deadline, datetime(2026, 11, 23, 10, 0))
        with freeze_time("2026-11-23 08:30:00"):
            case.message_post(
                body="Any news?",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=self.customer.id,
            )
            case.with_user(self.sat_user).message_post(
                body="Looking", subtype_xmlid="mail.mt_note"
            )
            case.with_user(self.sat_user).stage_id = self.stage_diagnosis
        self.assertFalse(status.reached_date)
        self.assertFalse(case.date_first_response)
        with freeze_time("2026-11-23 09:15:00"):
            case.with_user(self.sat_user).message_post(
                body="A technician comes tomorrow",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(case.date_first_response, datetime(2026, 11, 23, 9, 15))
        self.assertEqual(
            (status.status, status.reached_date),
            ("met", datetime(2026, 11, 23, 9, 15)),
        )
        self.assertEqual(case.sla_status, "on_track", "the solving SLA still runs")
        with freeze_time("2026-11-23 11:00:00"):
            case.with_user(self.sat_user).message_post(
                body="Again",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        self.assertEqual(case.date_first_response, datetime(2026, 11, 23, 9, 15))

    def test_first_response_late_or_never(self):
        self._first_response_sla()
        late, closed = self._sla_case(), self._sla_case(solution="<p>Fixed</p>")
        with freeze_time("2026-11-23 11:00:00"):
            late.with_user(self.sat_user).message_post(
                body="Sorry for the wait",
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
            )
        with freeze_time("2026-11-23 09:00:00"):
            closed.action_close()  # solved without a word: nothing left to answer
        self.assertEqual(
            sorted(late.sla_ids.mapped("status")), ["breached", "on_track"]
        )
        self.assertEqual(closed.sla_ids.mapped("status"), ["met", "met"])
        self.assertFalse(closed.date_first_response)

    def test_stage_target_needs_a_stage(self):
        with self.assertRaisesRegex(ValidationError, "needs the stage"):
            self.env["sat.sla"].create(
                {"name": "No target", "work_hours": 2, "calendar_id": self.calendar.id}
            )

    def test_reached_late_is_breached(self):
        case = self._sla_case(solution="<p>Fixed</p>")
        with freeze_time("2026-11-23 16:30:00"):
            case.action_close()
        self.assertEqual(case.sla_status, "breached")

    def test_recomputed_when_priority_changes(self):
        urgent = self.env["sat.sla"].create(
            {
                "name": "Urgent: 2 hours",
                "stage_id": self.stage_closed.id,
                "work_hours": 2,
                "priority": "2",
                "calendar_id": self.calendar.id,
            }
        )
        case = self._sla_case(priority="1")
        self.assertEqual(case.sla_ids.sla_id, self.solve_sla)
        case.priority = "2"
        urgent_status = case.sla_ids.filtered(lambda s: s.sla_id == urgent)
        self.assertEqual(urgent_status.deadline, datetime(2026, 11, 23, 10, 0))
        self.assertEqual(case.sla_deadline, datetime(2026, 11, 23, 10, 0))
        case.priority = "0"
        self.assertEqual(case.sla_ids.sla_id, self.solve_sla, "dropped again")

    def test_paused_while_waiting_for_the_customer(self):
        waiting = self.env.ref("sat_support.sat_case_stage_waiting")
        self.solve_sla.exclude_stage_ids = waiting
        case = self._sla_case()
        with freeze_time("2026-11-23 10:00:00"):  # 6 working hours left
            case.stage_id = waiting
        with freeze_time("2026-11-24 16:00:00"):
            self.env["sat.case.sla"]._cron_check_sla()
            self.assertEqual(case.sla_status, "on_track", "the clock is stopped")
        with freeze_time("2026-11-25 09:00:00"):
            case.stage_id = self.stage_diagnosis
        self.assertEqual(case.sla_ids.deadline, datetime(2026, 11, 25, 15, 0))
        self.assertEqual(case.sla_ids.warning_date, datetime(2026, 11, 25, 13, 0))

    def test_cancelled_case_drops_its_sla(self):
        case = self._sla_case()
        case.action_cancel()
        self.assertFalse(case.sla_ids)
        self.assertFalse(case.sla_status)

    def test_time_left_in_words(self):
        case = self._sla_case()
        with freeze_time("2026-11-23 13:00:00"):
            case.invalidate_recordset(["sla_time_left"])
            self.assertEqual(case.sla_time_left, "in 3 hours")
        with freeze_time("2026-11-25 16:00:00"):
            case.invalidate_recordset(["sla_time_left"])
            self.assertEqual(case.sla_time_left, "2 days ago")


@tagged("post_install", "-at_install")
class TestSatSlaPerformance(SatSlaCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with freeze_time(FRIDAY_17H):
            cls.cases = cls.env["sat.case"].create(
                [
                    {
                        "name": f"SLA perf {i}",
                        "partner_id": cls.customer.id,
                        "team_id": cls.team.id,
                        "user_id": cls.sat_user.id,
                        "date_received": FRIDAY_17H,
                    }
                    for i in range(1000)
                ]
            )

    def test_query_count_cron_over_1000_open_cases(self):
        self.assertEqual(len(self.cases.sla_ids), 1000)
        Status = self.env["sat.case.sla"]
        self.env.invalidate_all()
        with freeze_time("2026-11-23 09:00:00"), self.assertQueryCount(__system__=3):
            self.assertFalse(Status._cron_check_sla())
        # Fifty cases become at risk: about 16 queries a warning (its activity and
        # the mail that tells the responsible), none for the cases left alone.
        self.cases[:50].sla_ids.warning_date = datetime(2026, 11, 23, 8, 0)
        self.env.flush_all()
        self.env.invalidate_all()
        with freeze_time("2026-11-23 09:00:00"), self.assertQueryCount(__system__=841):
            self.assertEqual(len(Status._cron_check_sla()), 50)
