"""N customer mails (500 by default) from a real IMAP mailbox (Dovecot) to cases, and
the same mails to tickets of OCA's helpdesk_mgmt 18.0 in the same run: mails per
second and SQL queries per mail to records, the mails that left through a real SMTP
server and the time and queries to send them, the rate end to end, and the ratios.
OCA sends its mails while it fetches, SAT from Odoo's mail queue: the time to records
leaves out the sending on both sides, wherever it happens. The two take turns, in
rounds, so that both share whatever else the machine is doing.

Both are configured alike: the sender is a known contact of the customer, the new
case or ticket is assigned to an agent who is notified, and the customer gets an
acknowledgement.

Then, as deployed with two cron workers (``scripts/scale.sh``), each product fetches
as many mails again while Odoo's mail cron runs in a second process, as a second cron
worker runs it: the time until the last mail has left, on both sides.

Usage: bash bench/run.sh mail_gateway [N]"""

import contextlib
import logging
import os
import subprocess
import sys
import tempfile
import time
from email.utils import formatdate
from pathlib import Path

import psycopg2
from common import bench_env

from odoo import fields
from odoo.tools import split_every

CUSTOMERS = 25
# Each call of Odoo's mail.mail.send: (database, cursor, seconds, SQL queries). OCA
# sends its mails while it fetches (on cursors of their own, after each mail's commit),
# SAT from its queue.
SENDINGS = []


def time_sending():
    """Instruments mail.mail.send, so that a product's time to records leaves out its
    sending wherever that happens, and its sending is counted wherever it happens."""
    from odoo.addons.mail.models.mail_mail import MailMail

    send = MailMail.send

    def timed_send(self, *args, **kwargs):
        cr = self.env.cr
        start, queries = time.perf_counter(), cr.sql_log_count
        try:
            return send(self, *args, **kwargs)
        finally:
            SENDINGS.append(
                (
                    cr.dbname,
                    cr,
                    time.perf_counter() - start,
                    cr.sql_log_count - queries,
                )
            )

    MailMail.send = timed_send


def deliver(dovecot, make_mail, login, count):
    for i in range(count):
        dovecot.deliver(
            login,
            make_mail(
                f"Customer {i % CUSTOMERS} <customer{i % CUSTOMERS}@bench.example>",
                f"{login}@support.example",
                f"Bench request {i}",
                f"Bench body {i}",
                date=formatdate(),
            ),
        )


class Side:
    """One product fetching its own mailbox, measured over several rounds."""

    def __init__(self, label, env, server, login):
        self.label, self.env, self.server, self.login = label, env, server, login
        self.model = env[server.object_id.model]
        # Whatever an interrupted run left in the queue is not this run's to send.
        env["mail.mail"].search([("state", "=", "outgoing")]).unlink()
        self.last = self.model.search([], order="id desc", limit=1).id or 0
        self.mails = self.seconds = self.queries = self.queue_seconds = 0
        # Seconds spent sending mails within the fetch, and in all; queries to send.
        self.fetch_sending = self.sending = self.sending_queries = 0
        env.cr.commit()

    def _count_sending(self, block):
        """Runs block and counts the sending it did: returns its seconds, and the
        queries of the sending done on this side's own cursor (to leave out of the
        queries to records)."""
        first = len(SENDINGS)
        block()
        spent = own_queries = 0
        for dbname, cr, seconds, queries in SENDINGS[first:]:
            if dbname == self.env.cr.dbname:
                spent += seconds
                self.sending_queries += queries
                if cr is self.env.cr:
                    own_queries += queries
        return spent, own_queries

    def fetch(self, dovecot, make_mail, count):
        deliver(dovecot, make_mail, self.login, count)
        queries = self.env.cr.sql_log_count
        start = time.perf_counter()
        sending, own_queries = self._count_sending(self.server.fetch_mail)
        self.seconds += time.perf_counter() - start
        self.fetch_sending += sending
        self.sending += sending
        self.queries += self.env.cr.sql_log_count - queries - own_queries
        self.mails += count

    def send_queue(self):
        """What is still queued leaves now: the end of the customers' wait."""
        start = time.perf_counter()
        self._count_sending(self.env["mail.mail"].process_email_queue)
        self.env.cr.commit()
        self.queue_seconds = time.perf_counter() - start
        self.sending += self.queue_seconds

    def sent(self, smtp):
        # SAT's mails leave from the customer's support address, OCA's from the company.
        sender = "sat.bench@support.example"
        return sum(
            (m["from"] == sender) == self.label.startswith("SAT") for m in smtp.messages
        )

    def with_mail_cron(self, dovecot, make_mail, count, conf, smtp):
        """``count`` mails to records and sent, Odoo's mail cron sending the queue in
        a process of its own meanwhile: mails received per second until the last
        mail has left, and the mails sent."""
        deliver(dovecot, make_mail, self.login, count)
        self.env.cr.commit()
        before = self.sent(smtp)
        stop = Path(tempfile.mkdtemp()) / "stop"
        worker = subprocess.Popen(
            [sys.executable, __file__, "--mail-cron", conf, self.env.cr.dbname, stop],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError(f"{self.label}: the mail cron did not start")
            start = time.perf_counter()
            self.server.fetch_mail()
            stop.touch()
            if worker.wait(timeout=900):
                raise RuntimeError(f"{self.label}: the mail cron failed")
            seconds = time.perf_counter() - start
            conflicts = worker.stdout.read().strip()
        finally:
            worker.kill()
        sent = self.sent(smtp) - before
        left = self.env["mail.mail"].search_count([("state", "=", "outgoing")])
        if left:
            raise RuntimeError(f"{self.label}: {left} mails left in the queue")
        print(
            f"{self.label}: {count} mails, {sent} sent, with the mail cron in a "
            f"second worker: {seconds:.1f} s = {count / seconds:.1f} mails/s "
            f"({conflicts} runs of the cron failed on a mail the fetch was sending)"
        )
        return count / seconds

    def report(self, smtp):
        sent = self.sent(smtp)
        records = self.model.search_count([("id", ">", self.last)])
        assert records == self.mails, f"{self.label}: {records} from {self.mails} mails"
        total = self.seconds + self.queue_seconds
        to_records = self.seconds - self.fetch_sending
        print(
            f"{self.label}: {self.mails} mails to {records} records in "
            f"{to_records:.1f} s = {self.mails / to_records:.1f} mails/s, "
            f"{self.queries / self.mails:.1f} queries "
            f"per mail; {sent} mails sent in {self.sending:.1f} s, "
            f"{self.sending_queries / self.mails:.1f} queries per mail received; "
            f"end to end {total:.1f} s = {self.mails / total:.1f} mails/s, "
            f"{(self.queries + self.sending_queries) / self.mails:.1f} queries"
        )
        return self.mails / to_records, self.mails / total


def allow_repeated_senders(env):
    # Odoo bounces a sender's 21st new record within two hours as a mail loop; the bench
    # sends more than that from each customer, and runs again and again.
    env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 1000000)


def agent(env, login):
    return env["res.users"].search([("login", "=", login)]) or env["res.users"].create(
        {
            "name": "Bench Agent",
            "login": login,
            "email": f"{login}@company.example",
            "groups_id": [(4, env.ref("base.group_user").id)],
        }
    )


def contacts(env, parent=None):
    """The bench's customers, made by the first run and found again by the next ones:
    each run sees one contact for each address, as a customer's mails do."""
    Partner = env["res.partner"]
    parent_id = parent.id if parent else False
    emails = [f"customer{i}@bench.example" for i in range(CUSTOMERS)]
    found = Partner.search([("email", "in", emails), ("parent_id", "=", parent_id)])
    known = set(found.mapped("email"))
    return found | Partner.create(
        [
            {"name": f"Customer {i}", "email": email, "parent_id": parent_id}
            for i, email in enumerate(emails)
            if email not in known
        ]
    )


def setup_sat(env, dovecot, smtp, count):
    allow_repeated_senders(env)
    user = agent(env, "sat.bench.agent")
    user.groups_id = [(4, env.ref("sat_support.group_sat_user").id)]
    team = env["sat.team"].create(
        {
            "name": "Bench team",
            "member_ids": [(6, 0, user.ids)],
            "assign_method": "round_robin",
        }
    )
    env["sat.case.category"].search([]).team_id = team
    # Each bench customer writes many mails within minutes: all are acknowledged, as
    # OCA acknowledges them (the per-sender limit is for robots).
    env["ir.config_parameter"].set_param(
        "sat_mail_gateway.acknowledgements_per_hour", 1000000
    )
    # A second run takes the first run's account, with its contacts.
    account = env["res.partner"].search(
        [("sat_mailbox_email", "=", "sat.bench@support.example")], limit=1
    )
    mailbox = {
        "sat_responsible_id": user.id,
        "sat_imap_host": "127.0.0.1",
        "sat_imap_port": dovecot.port,
        "sat_imap_security": "none",
        "sat_imap_user": "sat.bench",
        "sat_imap_password": "bench-secret",
        "sat_smtp_host": "127.0.0.1",
        "sat_smtp_port": smtp.port,
        "sat_smtp_encryption": "none",
    }
    if account:
        account.write(mailbox)
    else:
        account = env["res.partner"].create(
            {
                "name": "Bench Mailbox Customer",
                "is_company": True,
                "sat_mailbox_email": "sat.bench@support.example",
                **mailbox,
            }
        )
    contacts(env, account)
    env["ir.config_parameter"].set_param("sat_mail_gateway.batch_size", count)
    return Side(
        "SAT sat_mail_gateway", env, account.sat_fetchmail_server_id, "sat.bench"
    )


def setup_oca(env, dovecot, smtp):
    allow_repeated_senders(env)
    user = agent(env, "oca.bench.agent")
    # helpdesk_mgmt routes a mail to a team by the team's alias, whose defaults give
    # the ticket its team, first stage and agent (notified when assigned).
    domain = env["mail.alias.domain"].search([("name", "=", "support.example")]) or env[
        "mail.alias.domain"
    ].create({"name": "support.example"})
    team = env["helpdesk.ticket.team"].search([("alias_name", "=", "oca.bench")])
    team = team or env["helpdesk.ticket.team"].create(
        {
            "name": "Bench team",
            "alias_name": "oca.bench",
            "alias_domain_id": domain.id,
        }
    )
    team.user_ids = user
    team.alias_id.alias_defaults = repr({"team_id": team.id, "user_id": user.id})
    # helpdesk_mgmt acknowledges a new ticket with its first stage's mail template.
    env.ref("helpdesk_mgmt.helpdesk_ticket_stage_new").mail_template_id = env.ref(
        "helpdesk_mgmt.assignment_email_template"
    )
    env["ir.mail_server"].search([]).active = False
    env["ir.mail_server"].create(
        {
            "name": "Bench SMTP",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_encryption": "none",
        }
    )
    contacts(env)
    server = env["fetchmail.server"].create(
        {
            "name": "OCA bench mailbox",
            "server_type": "imap",
            "server": "127.0.0.1",
            "port": dovecot.port,
            "is_ssl": False,
            "user": "oca.bench",
            "password": "bench-secret",
            "object_id": env.ref("helpdesk_mgmt.model_helpdesk_ticket").id,
            "state": "done",
        }
    )
    return Side("OCA helpdesk_mgmt   ", env, server, "oca.bench")


def main(conf, db, count=500, rounds=5):
    oca_db = os.environ.get("SAT_BENCH_OCA_DB")
    if not oca_db:
        sys.exit("no OCA database (SAT_BENCH_OCA_DB): run through bench/run.sh")
    with bench_env(conf, db):
        # Importable once the environment has set Odoo's addons path.
        from odoo.addons.sat_mail_gateway.tools.mail_servers import (
            Dovecot,
            SmtpCapture,
            make_mail,
        )

        time_sending()

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's chatter
    dovecot = Dovecot({"sat.bench": "bench-secret", "oca.bench": "bench-secret"})
    dovecot.start()
    smtp = SmtpCapture().start()
    try:
        with contextlib.ExitStack() as stack:
            sat = setup_sat(
                stack.enter_context(bench_env(conf, db)), dovecot, smtp, count
            )
            oca = setup_oca(stack.enter_context(bench_env(conf, oca_db)), dovecot, smtp)
            for size in [
                len(chunk) for chunk in split_every(-(-count // rounds), range(count))
            ]:
                for side in (sat, oca):
                    side.fetch(dovecot, make_mail, size)
            figures = {}
            for side in (sat, oca):
                side.send_queue()
            time.sleep(1)  # the last post-commit sendings
            for side in (sat, oca):
                figures[side] = side.report(smtp)
            deployed = {
                side: side.with_mail_cron(dovecot, make_mail, count, conf, smtp)
                for side in (sat, oca)
            }
        mails, end_to_end = (figures[sat][i] / figures[oca][i] for i in (0, 1))
        print(
            f"SAT / OCA: {mails:.2f} mails to records (target: at least 1.50), "
            f"{end_to_end:.2f} end to end in one process, "
            f"{deployed[sat] / deployed[oca]:.2f} end to end with the mail cron in a "
            "second worker"
        )
    finally:
        smtp.stop()
        dovecot.stop()


def mail_cron(conf, db, stop):
    """Odoo's mail cron (``mail.mail.process_email_queue``, a commit a mail) as a
    second cron worker runs it: when triggered (Odoo wakes its workers at once; here
    the triggers are looked for every 50 ms), until ``stop`` exists and no trigger is
    left. Prints how often it failed on a mail another process was sending."""
    for logger in ("odoo.sql_db", "odoo.addons.mail.models.mail_mail"):
        logging.getLogger(logger).setLevel(logging.CRITICAL)
    conflicts = 0
    with bench_env(conf, db) as env:
        print("ready", flush=True)
        cron = env.ref("mail.ir_cron_mail_scheduler_action")
        while True:
            done = Path(stop).exists()
            triggers = env["ir.cron.trigger"].search(
                [("cron_id", "=", cron.id), ("call_at", "<=", fields.Datetime.now())]
            )
            if not triggers and done:
                print(conflicts, flush=True)
                return
            if triggers:
                triggers.unlink()
                env.cr.commit()
                try:
                    env["mail.mail"].process_email_queue(batch_size=1000)
                    env.cr.commit()
                except psycopg2.Error:
                    # A mail another process is sending: the job fails (Odoo logs
                    # it) and is undone, as Odoo's cron runner undoes it.
                    env.cr.rollback()
                    conflicts += 1
            else:
                env.cr.rollback()  # the next look sees what was committed since
                time.sleep(0.05)


if __name__ == "__main__":
    if sys.argv[1] == "--mail-cron":
        mail_cron(*sys.argv[2:5])
    else:
        main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:]))
