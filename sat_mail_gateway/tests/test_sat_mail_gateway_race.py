import threading

from psycopg2 import IntegrityError

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged

from odoo.addons.sat_support.tests.common import wait_for_lock_waiter

from .common import make_mail

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

    def test_a_fetch_does_not_wait_for_the_customers_row(self):
        """The fetch records what it did on the server's row, which it holds: an
        answer or an edit of the customer, holding the customer's row, makes it
        wait for nothing."""
        with (
            self.registry.cursor() as cr_a,
            self.registry.cursor() as cr_b,
        ):
            cr_a.execute(
                "SELECT id FROM res_partner WHERE id = %s FOR UPDATE",
                [self.ids["account"]],
            )
            cr_b.execute("SET LOCAL lock_timeout = '2s'")
            env = api.Environment(cr_b, SUPERUSER_ID, {})
            env["fetchmail.server"].browse(self.ids["server"])._sat_record_fetch(3, [])
            cr_a.rollback()
        with self.registry.cursor() as cr:
            account = api.Environment(cr, SUPERUSER_ID, {})["res.partner"].browse(
                self.ids["account"]
            )
            self.assertEqual(account.sat_last_fetch_count, 3)
            self.assertTrue(account.sat_last_fetch_date)


@tagged("post_install", "-at_install")
class TestSatMailboxWorkers(TransactionCase):
    """Two cron workers take the due mailboxes at the same time on two real database
    connections: never the same one. The data is committed, so it is removed
    afterwards."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            accounts = env["res.partner"].create(
                [
                    {
                        "name": f"Worker Coffee {i}",
                        "is_company": True,
                        "sat_mailbox_email": f"sat.worker{i}@support.example",
                        "sat_imap_host": "127.0.0.1",
                        "sat_imap_user": f"sat.worker{i}",
                        "sat_imap_password": "secret",
                    }
                    for i in range(2)
                ]
            )
            self.account_ids = accounts.ids
            self.server_ids = accounts.sat_fetchmail_server_id.ids
        self.addCleanup(self._remove_committed_data)

    def _remove_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            accounts = env["res.partner"].browse(self.account_ids)
            env["fetchmail.server"].browse(self.server_ids).unlink()
            accounts.sat_mail_server_id.unlink()
            accounts.unlink()

    def _claim(self, cr):
        return (
            api.Environment(cr, SUPERUSER_ID, {})["fetchmail.server"]
            .browse(self.server_ids)
            ._sat_claim()
            .id
        )

    def test_two_workers_never_take_the_same_mailbox(self):
        first, second = self.server_ids
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            # Worker A is taking the first mailbox: its row is locked, not leased yet.
            cr_a.execute(
                "SELECT id FROM fetchmail_server WHERE id = %s FOR NO KEY UPDATE",
                [first],
            )
            # Worker B does not wait for A: it takes the next due mailbox.
            self.assertEqual(self._claim(cr_b), second)
            cr_a.rollback()
            self.assertEqual(self._claim(cr_a), first)
            # Both are leased now: nothing is due for either worker.
            self.assertFalse(self._claim(cr_b))
            self.assertFalse(self._claim(cr_a))
