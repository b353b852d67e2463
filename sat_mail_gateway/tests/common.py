"""The base of the gateway tests: customer mailboxes on a real Dovecot, mails out
through a real SMTP server, both on loopback."""

import contextlib
import time

from odoo.modules import module
from odoo.tests import TransactionCase, new_test_user

from ..tools.mail_servers import Dovecot, SmtpCapture, make_mail

__all__ = ["SatMailGatewayCase", "make_mail"]


class SatMailGatewayCase(TransactionCase):
    """Customer mailboxes ACME and Bolt on a real Dovecot, mails out through a real
    SMTP server."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.dovecot = Dovecot(
            {"sat.acme": "acme-secret", "sat.bolt": "bolt-secret"}
        ).start()
        cls.addClassCleanup(cls.dovecot.stop)
        cls.smtp = SmtpCapture().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.responsible = new_test_user(
            cls.env,
            "acme_resp",
            groups="sat_support.group_sat_user",
            name="Rita Responsible",
            email="rita@ourcompany.example",
        )
        cls.acme = cls._mailbox_customer("ACME Coffee", "sat.acme", "acme-secret")
        cls.acme.sat_responsible_id = cls.responsible
        cls.bolt = cls._mailbox_customer("Bolt Bars", "sat.bolt", "bolt-secret")
        cls.known = cls.env["res.partner"].create(
            {"name": "Ana Known", "email": "ana@acme.example", "parent_id": cls.acme.id}
        )

    @classmethod
    def _mailbox_customer(cls, name, login, password):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "sat_mailbox_email": f"{login}@support.example",
                "sat_imap_host": "127.0.0.1",
                "sat_imap_port": cls.dovecot.port,
                "sat_imap_security": "none",
                "sat_imap_user": login,
                "sat_imap_password": password,
                "sat_smtp_host": "127.0.0.1",
                "sat_smtp_port": cls.smtp.port,
                "sat_smtp_encryption": "none",
            }
        )

    def _as_cron(self, job):
        """``job(env)`` on a test cursor, as a cron job runs: its commits stay in the
        test."""
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with self.registry.cursor() as cr:
                job(self.env(cr=cr))
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()

    def _fetch(self, *partners):
        """Odoo's fetch of these customers' mailboxes (the button, the cron)."""
        self._as_cron(
            lambda env: (
                env["fetchmail.server"]
                .search([("sat_partner_id", "in", [p.id for p in partners])])
                .fetch_mail()
            )
        )

    def _run_cron(self):
        """One run of the SAT fetch cron job."""
        self._as_cron(lambda env: env["fetchmail.server"]._cron_sat_fetch())

    @contextlib.contextmanager
    def _real_smtp(self):
        """Odoo sends no mail while a test runs; these mails must really leave."""
        current, module.current_test = module.current_test, False
        try:
            yield
        finally:
            module.current_test = current

    def _send_queue(self, case):
        self.cr.flush()  # tracking templates are queued when the transaction commits
        mails = self.env["mail.mail"].search(
            [("model", "=", "sat.case"), ("res_id", "=", case.id)]
        )
        with self._real_smtp():
            mails.send(raise_exception=True)
        for _i in range(50):
            if len(self.smtp.messages) >= len(mails):
                break
            time.sleep(0.1)
        return mails

    def setUp(self):
        super().setUp()
        for login in self.dovecot.accounts:
            self.dovecot.clear(login)
        self.smtp.messages.clear()

    def _cases(self, partner):
        return self.env["sat.case"].search(
            [("partner_id", "=", partner.id)], order="id"
        )


class SatMailRoutingCase(TransactionCase):
    """The gateway's routing without a mail server: a mail is handed to the customer
    mailbox's processing (``fetchmail.server._sat_process_raw``), as the fetch does
    once it has read it. Fast; the Dovecot tests cover the reading itself."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.responsible = new_test_user(
            cls.env,
            "routing_resp",
            groups="sat_support.group_sat_user",
            email="resp@ourcompany.example",
        )
        cls.acme = cls._mailbox_customer("ACME Coffee", "sat.acme")
        cls.acme.sat_responsible_id = cls.responsible
        cls.bolt = cls._mailbox_customer("Bolt Bars", "sat.bolt")
        cls.known = cls.env["res.partner"].create(
            {"name": "Ana Known", "email": "ana@acme.example", "parent_id": cls.acme.id}
        )

    @classmethod
    def _mailbox_customer(cls, name, login):
        # Never connected to: the mails are handed over, not fetched.
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "sat_mailbox_email": f"{login}@support.example",
                "sat_imap_host": "127.0.0.1",
                "sat_imap_port": 1,
                "sat_imap_security": "none",
                "sat_imap_user": login,
                "sat_imap_password": "unused",
                "sat_smtp_host": "127.0.0.1",
                "sat_smtp_port": 1,
                "sat_smtp_encryption": "none",
            }
        )

    def _receive(self, customer, sender, subject, body="", **options):
        """The mail as ``customer``'s mailbox would take it; the case it reached."""
        raw = make_mail(
            sender, customer.sat_mailbox_email, subject, body or subject, **options
        )
        server = customer.sat_fetchmail_server_id
        case_id = server._sat_process_raw(raw)
        return self.env["sat.case"].browse(case_id)
