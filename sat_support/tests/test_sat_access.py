from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SatCommon


@tagged("post_install", "-at_install")
class TestSatAccess(SatCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.case_team = cls._create_case(name="Team case", team_id=cls.team.id)
        cls.case_other_team = cls._create_case(
            name="Other team case", team_id=cls.team_2.id
        )
        cls.case_unassigned = cls._create_case(name="No team yet")
        cls.case_mine = cls._create_case(
            name="Mine in another team", team_id=cls.team_2.id, user_id=cls.sat_user.id
        )
        cls.case_company_2 = cls.env["sat.case"].create(
            {"name": "Other company case", "company_id": cls.company_2.id}
        )
        cls.all_cases = (
            cls.case_team
            | cls.case_other_team
            | cls.case_unassigned
            | cls.case_mine
            | cls.case_company_2
        )

    def _visible(self, user):
        return (
            self.env["sat.case"]
            .with_user(user)
            .search([("id", "in", self.all_cases.ids)])
        )

    def test_user_sees_own_team_and_unassigned_cases(self):
        self.assertEqual(
            self._visible(self.sat_user),
            self.case_team | self.case_unassigned | self.case_mine,
        )
        with self.assertRaises(AccessError):
            self.case_other_team.with_user(self.sat_user).read(["name"])
        with self.assertRaises(AccessError):
            self.case_other_team.with_user(self.sat_user).write({"name": "hijacked"})
        self.assertEqual(self.case_other_team.name, "Other team case")

    def test_user_of_another_team(self):
        self.assertEqual(
            self._visible(self.sat_user_2),
            self.case_other_team | self.case_unassigned | self.case_mine,
        )

    def test_follower_sees_the_case(self):
        case = self.case_other_team
        case.message_subscribe(partner_ids=self.sat_user.partner_id.ids)
        self.assertIn(case, self._visible(self.sat_user))
        # Read, the rule is checked in Python on the record.
        self.assertEqual(
            case.with_user(self.sat_user).read(["name"])[0]["name"], case.name
        )
        case.message_unsubscribe(partner_ids=self.sat_user.partner_id.ids)
        self.assertNotIn(case, self._visible(self.sat_user))
        with self.assertRaises(AccessError):
            case.with_user(self.sat_user).read(["name"])

    def test_followers_read_once_for_the_rules(self):
        """Checking a batch of cases against the rule on followed cases reads their
        followers with the followers' partners in one query (Odoo: two); the case
        of another team is still the one refused, and a follow counts at once."""
        cases = (self.case_team | self.case_other_team).with_user(self.sat_user)
        cases._filtered_access("read")  # the rules, computed once
        self.env.invalidate_all()
        cases.sudo().mapped("name")  # the page, read
        with self.assertQueryCount(1):
            self.assertEqual(cases._filtered_access("read"), self.case_team)
        with self.assertRaises(AccessError):
            cases.read(["name"])
        self.case_other_team.message_subscribe(partner_ids=self.sat_user.partner_id.ids)
        self.assertEqual(cases._filtered_access("read"), cases)
        self.assertEqual(len(cases.read(["name"])), 2)

    def test_own_cases_read_no_follower(self):
        """Cases the other clauses let in (the user's teams, their own, those of no
        team) are not checked against the followers at all."""
        cases = (self.case_team | self.case_unassigned | self.case_mine).with_user(
            self.sat_user
        )
        cases._filtered_access("read")  # the rules, computed once
        self.env.invalidate_all()
        cases.sudo().mapped("name")  # the page, read
        with self.assertQueryCount(0):
            self.assertEqual(cases._filtered_access("read"), cases)

    def test_followed_cases_found_by_one_look_up(self):
        """In SQL, the rule's clause on followed cases looks the user's followings
        up once, by partner ('message_follower_ids any' scanned every follower)."""
        query = self.env["sat.case"].with_user(self.sat_user)._search([])
        sql = query.select().code
        self.assertEqual(sql.count('FROM "mail_followers"'), 1, sql)
        self.assertIn('"mail_followers"."partner_id" IN', sql)

    def test_team_changes_are_seen_at_once(self):
        """A user's rules name their teams and are kept once computed: joining,
        leading or leaving a team changes what the user sees at once."""
        case = self.case_other_team
        self.assertNotIn(case, self._visible(self.sat_user))
        self.team_2.member_ids |= self.sat_user
        self.assertIn(case, self._visible(self.sat_user))
        self.assertTrue(case.with_user(self.sat_user).read(["name"]))
        self.team_2.member_ids -= self.sat_user
        self.assertNotIn(case, self._visible(self.sat_user))
        with self.assertRaises(AccessError):
            case.with_user(self.sat_user).read(["name"])
        self.team_2.user_id = self.sat_user
        self.assertIn(case, self._visible(self.sat_user))
        self.team_2.user_id = False
        self.assertNotIn(case, self._visible(self.sat_user))

    def test_manager_sees_all_cases_of_their_companies(self):
        self.assertEqual(
            self._visible(self.sat_manager), self.all_cases - self.case_company_2
        )

    def _schedule_activities(self):
        """On a case of the user's team: two to-dos of theirs, a colleague's late
        one, and one of theirs archived; neither in order of creation nor in its
        reverse, by deadline."""
        case = self.case_team
        today = fields.Date.context_today(case)

        def schedule(user, days, summary):
            return case.activity_schedule(
                "mail.mail_activity_data_todo",
                date_deadline=today + timedelta(days=days),
                summary=summary,
                user_id=user.id,
            )

        own = schedule(self.sat_user, 3, "Call the customer back")
        late = schedule(self.sat_user_2, -1, "Order the spare part")
        own |= schedule(self.sat_user, 1, "Send the quote")
        schedule(self.sat_user, -5, "Old call").active = False
        return case, own, late

    def test_activities_read_as_odoo_reads_them(self):
        """A SAT user reading a case of their team gets every activity on it, a
        colleague's too, never an archived one, and the most urgent's state, user
        and summary: what Odoo's own reads give, in fewer queries."""
        case, own, late = self._schedule_activities()
        names = [
            "activity_ids",
            "activity_state",
            "activity_user_id",
            "activity_type_id",
            "activity_summary",
            "activity_date_deadline",
            "activity_exception_decoration",
            "user_id",
        ]
        self.env.invalidate_all()
        expected = case.sudo().read(names)  # the superuser: Odoo's own reads
        self.env.invalidate_all()
        read = case.with_user(self.sat_user).read(names)
        self.assertEqual(read, expected)
        self.assertEqual(read[0]["activity_ids"], [late.id, own[1].id, own[0].id])
        self.assertEqual(read[0]["activity_state"], "overdue")
        self.assertEqual(read[0]["activity_user_id"][0], self.sat_user_2.id)
        self.assertEqual(read[0]["activity_summary"], "Order the spare part")

    def test_cases_without_activities_read_no_user(self):
        """Cases with no activity read no activity user, nor the contacts read with
        those users: a read of ids only costs three queries (five if they were
        read all the same)."""
        cases = (self.case_team | self.case_mine).with_user(self.sat_user)
        names = ["activity_ids", "user_id", "partner_id", "reporter_id"]
        cases.read(names, load=None)  # the rules, computed
        self.env.cr.flush()  # what the set-up left to do at commit, done now
        self.env.invalidate_all()
        with self.assertQueryCount(3):
            read = cases.read(names, load=None)
        self.assertEqual([values["activity_ids"] for values in read], [[], []])
        self.assertEqual(read[1]["user_id"], self.sat_user.id)

    def test_rules_on_activities_still_apply(self):
        """Where a rule restricts activities, Odoo's own filter reads them."""
        case, own, _late = self._schedule_activities()
        self.env["ir.rule"].create(
            {
                "name": "Own activities only",
                "model_id": self.env.ref("mail.model_mail_activity").id,
                "domain_force": "[('user_id', '=', user.id)]",
            }
        )
        self.env.invalidate_all()
        self.assertEqual(case.with_user(self.sat_user).activity_ids, own)
        self.assertEqual(
            case.with_user(self.sat_user).read(["activity_summary"])[0][
                "activity_summary"
            ],
            "Send the quote",
        )

    def test_other_company(self):
        self.assertEqual(self._visible(self.sat_user_company_2), self.case_company_2)
        with self.assertRaises(AccessError):
            self.case_unassigned.with_user(self.sat_user_company_2).read(["name"])

    def test_user_outside_sat_groups_sees_no_case(self):
        with self.assertRaises(AccessError):
            self.env["sat.case"].with_user(self.employee).search([])
        with self.assertRaises(AccessError):
            self.case_unassigned.with_user(self.employee).read(["name"])
        # Partner and lot forms still open for people outside SAT, without the
        # SAT smart buttons.
        stock_user = new_test_user(
            self.env, "stock_only", groups="stock.group_stock_user"
        )
        for user, record in ((self.employee, self.customer), (stock_user, self.lot)):
            Model = record.with_user(user)
            arch = Model.get_views([(False, "form")])["views"]["form"]["arch"]
            self.assertNotIn("sat_case_count", arch)
            self.assertNotIn("sat_case_count", Model.fields_get())
            Model.web_read({"display_name": {}})

    def test_users_cannot_configure_or_delete(self):
        with self.assertRaises(AccessError):
            self.env["sat.case.stage"].with_user(self.sat_user).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            self.team.with_user(self.sat_user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.case_team.with_user(self.sat_user).unlink()
        self.case_team.with_user(self.sat_manager).unlink()
        self.assertFalse(self.case_team.exists())
