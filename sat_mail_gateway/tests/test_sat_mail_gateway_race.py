import threading

from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.sat_support.tests.common import wait_for_lock_waiter

from .test_sat_mail_gateway import make_mail

MESSAGE_ID = "<race-same-mail@customer.example>"


@tagged("post_install", "-at_install")
class TestSatMailGatewayRace(TransactionCase):
    """Two cron workers take the same mail at the same time, on two real database
    connections: one case. The data is committed, so it is removed afterwards."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["res.partner"].create(
                {
                    "name": "Race Coffee",
                    "is_company": True,
                    "sat_mailbox_email": "sat.race@support.example",
                    "sat_imap_host": "127.0.0.1",
                    "sat_imap_user": "sat.race",
                    "sat_imap_password": "secret",
                }
            )
            self.ids = {
                "account": account.id,
                "server": account.sat_fetchmail_server_id.id,
            }
        self.addCleanup(self._remove_committed_data)
        self.raw = make_mail(
            "ana@race.example",
            "sat.race@support.example",
            "Same mail twice",
            "Body",
            message_id=MESSAGE_ID,
        )

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            account = env["res.partner"].browse(self.ids["account"])
            env["sat.case"].search([("partner_id", "=", account.id)]).unlink()
            env["sat.mail.gateway.message"].search(
                [("message_id", "=", MESSAGE_ID)]
            ).unlink()
            env["fetchmail.server"].browse(self.ids["server"]).unlink()
            account.sat_mail_server_id.unlink()
            account.child_ids.unlink()
            account.unlink()

    def _process(self, env):
        return (
            env["mail.thread"]
            .with_context(
                fetchmail_cron_running=True,
                default_fetchmail_server_id=self.ids["server"],
            )
            .message_process("sat.case", self.raw)
        )

    def test_same_mail_in_two_workers_gives_one_case(self):
        errors = []

        def worker_b():
            try:
                with self.registry.cursor() as cr:
                    self._process(api.Environment(cr, SUPERUSER_ID, {}))
            except Exception as error:  # noqa: BLE001 - checked below
                errors.append(error)

        with self.registry.cursor() as cr_a:
            self._process(api.Environment(cr_a, SUPERUSER_ID, {}))
            thread = threading.Thread(target=worker_b)
            thread.start()
            self.assertTrue(wait_for_lock_waiter(cr_a, thread), "B never waited for A")
        thread.join(60)
        self.assertFalse(thread.is_alive())
        # B lost the race on the Message-Id index; the fetch treats that as a duplicate.
        self.assertEqual(len(errors), 1)
        self.assertIsInstance(errors[0], IntegrityError)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cases = env["sat.case"].search([("partner_id", "=", self.ids["account"])])
            self.assertEqual(cases.mapped("name"), ["Same mail twice"])
