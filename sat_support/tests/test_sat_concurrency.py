import threading
from datetime import timedelta

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged

from .common import wait_for_lock_waiter


@tagged("post_install", "-at_install")
class TestSatConcurrency(TransactionCase):
    """Two workers on the same case, on two real database connections.

    The data is committed (each worker must see it), so it is removed afterwards."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.invoice_on_close = env.company.sat_invoice_on_close
            product = env["product.product"].create(
                {"name": "Concurrency hour", "type": "service", "list_price": 10.0}
            )
            partner = env["res.partner"].create(
                {"name": "Concurrency S.A.", "is_company": True}
            )
            case = env["sat.case"].create(
                {
                    "name": "Concurrency",
                    "partner_id": partner.id,
                    "solution": "<p>Done</p>",
                    "line_ids": [Command.create({"product_id": product.id})],
                }
            )
            self.ids = {"case": case.id, "partner": partner.id, "product": product.id}
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company.sat_invoice_on_close = self.invoice_on_close
            env["sat.case"].browse(self.ids.get("second", [])).unlink()
            case = env["sat.case"].browse(self.ids["case"])
            case.line_ids.invoice_line_ids.move_id.unlink()
            case.stage_id = env.ref("sat_support.sat_case_stage_new")
            case.unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["product.product"].browse(self.ids["product"]).unlink()

    def _race(self, action):
        """Worker A runs ``action`` and holds its transaction open until worker B,
        running the same ``action``, waits on A's lock; then A commits."""
        attempts = []
        errors = []

        def worker_b():
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})

                    def run():
                        attempts.append(1)
                        return action(env["sat.case"].browse(self.ids["case"]))

                    retrying(run, env)
            except Exception as error:  # noqa: BLE001 - reported by the test below
                errors.append(error)

        with self.registry.cursor() as cr_a:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            action(env_a["sat.case"].browse(self.ids["case"]))
            env_a.flush_all()
            thread = threading.Thread(target=worker_b)
            thread.start()
            waited = wait_for_lock_waiter(cr_a, thread)
            self.assertTrue(waited, f"worker B did not wait for worker A: {errors}")
        thread.join(60)
        self.assertFalse(thread.is_alive())
        return attempts, errors

    def _invoices(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            return len(
                env["sat.case"]
                .browse(self.ids["case"])
                .line_ids.invoice_line_ids.move_id
            )

    def test_answers_to_one_customer_do_not_wait_for_each_other(self):
        """Two agents answer two cases of one customer at once. Each notification
        asks Odoo for the customer's sign-up token: written every time, the
        customer's row would be locked by the first answer until it commits."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner = env["res.partner"].browse(self.ids["partner"])
            partner.email = "service@concurrency.example"
            second = env["sat.case"].create(
                {"name": "Concurrency 2", "partner_id": partner.id}
            )
            self.ids["second"] = second.id
            # Its first notification prepares the token once, for good.
            env["sat.case"].browse(self.ids["case"]).message_post(
                body="Hello", partner_ids=partner.ids, message_type="comment"
            )
        with (
            self.registry.cursor() as cr_a,
            self.registry.cursor() as cr_b,
        ):
            cr_b.execute("SET LOCAL lock_timeout = '2s'")
            for cr, case_id in ((cr_a, self.ids["case"]), (cr_b, second.id)):
                env = api.Environment(cr, SUPERUSER_ID, {})
                env["sat.case"].browse(case_id).message_post(
                    body="Your machine is ready",
                    partner_ids=[self.ids["partner"]],
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )
                env.flush_all()  # B would wait for A's lock here, and time out
            self.assertEqual(
                env["mail.mail"].search_count(
                    [
                        ("model", "=", "sat.case"),
                        ("res_id", "=", second.id),
                        ("body_html", "ilike", "Your machine is ready"),
                    ]
                ),
                1,
            )
            cr_a.rollback()
            cr_b.rollback()

    def test_concurrent_close_gives_one_invoice(self):
        with self.registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {}).company.sat_invoice_on_close = True
        attempts, errors = self._race(lambda case: case.action_close())
        self.assertFalse(errors)
        self.assertGreater(len(attempts), 1, "worker B hit the race and was retried")
        self.assertEqual(self._invoices(), 1)

    def test_concurrent_invoice_buttons_give_one_invoice(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env.company.sat_invoice_on_close = False
            env["sat.case"].browse(self.ids["case"]).action_close()
        attempts, errors = self._race(lambda case: case._create_invoices())
        self.assertFalse(errors)
        self.assertGreater(len(attempts), 1, "worker B hit the race and was retried")
        self.assertEqual(self._invoices(), 1)


@tagged("post_install", "-at_install")
class TestSatSlaCronConcurrency(TransactionCase):
    """Two cron workers check the SLA at the same time: one warning, not two."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            sla = env["sat.sla"].create(
                {
                    "name": "Concurrency SLA",
                    "stage_id": env.ref("sat_support.sat_case_stage_closed").id,
                    "work_hours": 8,
                }
            )
            case = env["sat.case"].create(
                {"name": "Concurrency SLA case", "user_id": SUPERUSER_ID}
            )
            status = case.sla_ids.filtered(lambda s: s.sla_id == sla)
            # Due for a warning, not yet seen by any cron run.
            past = fields.Datetime.now() - timedelta(hours=1)
            status.write({"warning_date": past, "deadline": past + timedelta(days=1)})
            self.ids = {"case": case.id, "sla": sla.id}
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            case = env["sat.case"].browse(self.ids["case"])
            case.activity_ids.unlink()
            case.unlink()
            env["sat.sla"].browse(self.ids["sla"]).unlink()

    def _warnings(self, env):
        return env["mail.activity"].search_count(
            [
                ("res_model", "=", "sat.case"),
                ("res_id", "=", self.ids["case"]),
                (
                    "activity_type_id",
                    "=",
                    env.ref("sat_support.mail_activity_type_sla_warning").id,
                ),
            ]
        )

    def test_two_cron_workers_warn_once(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # Waiting for A's locks would be the bug: fail instead of hanging.
            cr_b.execute("SET LOCAL lock_timeout = '5s'")
            warned_a = env_a["sat.case.sla"]._cron_check_sla()
            # Worker B runs while A's transaction still holds the rows.
            warned_b = env_b["sat.case.sla"]._cron_check_sla()
            # Demo cases of the database may be due too: this case is A's.
            self.assertIn(self.ids["case"], warned_a.case_id.ids)
            self.assertFalse(
                warned_b.filtered(lambda s: s.case_id.id == self.ids["case"])
            )
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(self._warnings(env), 1)
            self.assertEqual(
                env["sat.case"].browse(self.ids["case"]).sla_status, "at_risk"
            )
            # A later run finds nothing new to say.
            env["sat.case.sla"]._cron_check_sla()
            self.assertEqual(self._warnings(env), 1)


@tagged("post_install", "-at_install")
class TestSatRoundRobinRace(TransactionCase):
    """Two workers create cases of one round-robin team at once, on two real
    database connections: both succeed, each with its own turn."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            members = env.ref("base.user_admin") | env.ref("base.user_demo")
            team = env["sat.team"].create(
                {
                    "name": "Race team",
                    "assign_method": "round_robin",
                    "member_ids": [Command.set(members.ids)],
                }
            )
            self.team_id = team.id
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            team = env["sat.team"].browse(self.team_id)
            team.case_ids.unlink()
            team.unlink()

    def _create(self, env, name):
        return env["sat.case"].create(
            {"name": name, "team_id": self.team_id, "case_type": "billable"}
        )

    def test_second_worker_neither_fails_nor_repeats_the_turn(self):
        with self.registry.cursor() as cr_a:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            # Worker A's transaction has begun (its snapshot is taken) ...
            env_a["sat.team"].browse(self.team_id).read(["name"])
            # ... when worker B assigns a case of the team and commits.
            with self.registry.cursor() as cr_b:
                env_b = api.Environment(cr_b, SUPERUSER_ID, {})
                user_b = self._create(env_b, "B").user_id.id
            # In repeatable read, a lock on the team's row taken now would fail.
            user_a = self._create(env_a, "A").user_id.id
        self.assertTrue(user_a and user_b)
        self.assertNotEqual(user_a, user_b, "each worker its own turn")
