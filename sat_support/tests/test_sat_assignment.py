from collections import Counter
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form, new_test_user, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatAssignment(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_3 = new_test_user(
            cls.env, "sat_tech_3", groups="sat_support.group_sat_user", name="Tina Tech"
        )
        cls.techs = cls.sat_user | cls.sat_user_2 | cls.tech_3
        cls.pool = cls.env["sat.team"].create(
            {"name": "Pool", "member_ids": [Command.set(cls.techs.ids)]}
        )
        cls.category = cls.env["sat.case.category"].create(
            {"name": "Pumps (test)", "team_id": cls.pool.id}
        )

    def _new_cases(self, count, **values):
        return self.env["sat.case"].create(
            [
                {"name": f"Case {i}", "partner_id": self.customer.id, **values}
                for i in range(count)
            ]
        )

    def test_category_gives_the_team(self):
        case = self._new_cases(1, category_id=self.category.id)
        self.assertEqual(case.team_id, self.pool)
        self.assertFalse(case.user_id, "manual assignment by default")

    def test_category_and_responsible_in_one_save_give_the_team(self):
        case = self._new_cases(1)
        case.with_user(self.sat_manager).write(
            {"category_id": self.category.id, "user_id": self.sat_user_2.id}
        )
        self.assertEqual(case.team_id, self.pool)
        self.assertEqual(case.user_id, self.sat_user_2, "the chosen responsible stays")

    def test_form_shows_team_and_responsible_before_saving(self):
        self.customer.sat_responsible_id = self.tech_3
        with Form(self.env["sat.case"].with_user(self.sat_manager)) as form:
            form.name = "Pump leaks"
            form.category_id = self.category
            self.assertEqual(form.team_id, self.pool)
            form.partner_id = self.customer
            self.assertEqual(form.user_id, self.tech_3)
            form.user_id = self.sat_user
        self.assertEqual(form.record.user_id, self.sat_user)
        self.assertEqual(form.record.team_id, self.pool)

    def test_round_robin_over_30_cases(self):
        self.pool.assign_method = "round_robin"
        cases = self._new_cases(12, category_id=self.category.id)
        for _i in range(18):  # one at a time too, as from the form or by mail
            cases |= self._new_cases(1, category_id=self.category.id)
        self.assertEqual(
            Counter(case.user_id for case in cases), dict.fromkeys(self.techs, 10)
        )
        # In turn, from wherever the team's count of turns stands.
        order = self.techs.sorted("id").ids
        first = order.index(cases[0].user_id.id)
        self.assertEqual(
            [case.user_id.id for case in cases[:4]],
            [order[(first + i) % 3] for i in range(4)],
        )

    def test_balanced_over_30_cases(self):
        self.pool.assign_method = "balanced"
        self._new_cases(6, user_id=self.sat_user.id)
        self._new_cases(3, user_id=self.sat_user_2.id)
        cases = self._new_cases(20, category_id=self.category.id)
        for _i in range(10):
            cases |= self._new_cases(1, category_id=self.category.id)
        open_counts = Counter(
            case.user_id
            for case in self.env["sat.case"].search([("user_id", "in", self.techs.ids)])
        )
        self.assertEqual(sorted(open_counts.values()), [13, 13, 13], "39 cases evenly")

    def test_member_on_leave_is_skipped(self):
        self.pool.assign_method = "round_robin"
        resource = self.env["resource.resource"].create(
            {"name": "Sara", "user_id": self.sat_user.id, "calendar_id": False}
        )
        now = fields.Datetime.now()
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holidays",
                "resource_id": resource.id,
                "date_from": now - timedelta(days=1),
                "date_to": now + timedelta(days=1),
            }
        )
        cases = self._new_cases(6, category_id=self.category.id)
        self.assertNotIn(self.sat_user, cases.user_id)
        self.assertEqual(cases.user_id, self.sat_user_2 | self.tech_3)

    def test_customer_sat_responsible_comes_first(self):
        self.pool.assign_method = "round_robin"
        self.customer.sat_responsible_id = self.sat_manager
        contact = self.env["res.partner"].create(
            {"name": "Pedro", "parent_id": self.customer.id}
        )
        self.assertEqual(contact.sat_responsible_id, self.sat_manager, "on the company")
        cases = self._new_cases(3, category_id=self.category.id, reporter_id=contact.id)
        self.assertEqual(cases.user_id, self.sat_manager)

    def test_assigned_when_the_category_is_set_later(self):
        self.pool.assign_method = "round_robin"
        case = self._new_cases(1)
        self.assertFalse(case.user_id)
        case.category_id = self.category
        self.assertEqual(case.team_id, self.pool)
        self.assertIn(case.user_id, self.techs)
        notification = self.env["mail.message"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "=", case.id),
                ("message_type", "=", "user_notification"),
            ]
        )
        self.assertEqual(
            notification.partner_ids, case.user_id.partner_id, "told by mail"
        )
        # An assigned case keeps its responsible when its category changes.
        user = case.user_id
        case.category_id = self.env.ref("sat_support.sat_case_category_billing")
        self.assertEqual(case.user_id, user)
