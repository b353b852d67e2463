import socket
from email.utils import formatdate

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import SatMailGatewayCase, make_mail


@tagged("post_install", "-at_install")
class TestSatMailGateway(SatMailGatewayCase):
    """Customer mailboxes on a real Dovecot, mails out through a real SMTP server."""

    # ------------------------------------------------------------------ tests
    def test_partner_settings_create_the_servers(self):
        fetchmail = self.acme.sat_fetchmail_server_id
        self.assertEqual(fetchmail.server, "127.0.0.1")
        self.assertEqual(fetchmail.object_id.model, "sat.case")
        self.assertEqual(fetchmail.state, "done")
        self.assertEqual(
            self.acme.sat_mail_server_id.from_filter, "sat.acme@support.example"
        )
        self.acme.sat_imap_port = 1143
        self.assertEqual(fetchmail.port, 1143)
        self.acme.sat_imap_host = False
        self.assertFalse(fetchmail.active, "cleared settings deactivate it")
        self.bolt.active = False
        self.assertFalse(self.bolt.sat_fetchmail_server_id.active)
        self.assertFalse(self.bolt.sat_mail_server_id.active)

    def test_connection_buttons(self):
        action = self.acme.action_sat_test_incoming()
        self.assertEqual(action["params"]["type"], "success")
        self.acme.sat_imap_password = "wrong"
        with self.assertRaises(UserError) as error:
            self.acme.action_sat_test_incoming()
        self.assertIn("refused", str(error.exception))
        self.assertIn("AUTHENTICATIONFAILED", str(error.exception))
        self.assertNotIn("b'", str(error.exception), "the server's words, not bytes")
        # Odoo's own connection test is what runs: it opens the mailbox's folder too.
        self.acme.write({"sat_imap_password": "acme-secret", "sat_imap_folder": "Nope"})
        with self.assertRaises(UserError) as error:
            self.acme.action_sat_test_incoming()
        self.assertIn("The folder Nope cannot be opened", str(error.exception))
        self.acme.sat_imap_folder = "INBOX"
        self.assertEqual(
            self.acme.action_sat_test_incoming()["params"]["type"], "success"
        )
        with self._real_smtp():
            action = self.acme.action_sat_test_outgoing()
        self.assertEqual(action["params"]["type"], "success")

    def test_mail_in_case_out_end_to_end(self):
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "Ana Known <ana@acme.example>",
                "sat.acme@support.example",
                "Grinder makes a noise",
                "It rattles since Monday.",
                attachment=("photo.jpg", b"\xff\xd8 not really a photo"),
            ),
        )
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "Nuevo Cliente <nuevo@other-domain.example>",
                "sat.acme@support.example",
                "Machine does not heat",
                "No heat at all.",
            ),
        )
        self.dovecot.deliver(
            "sat.bolt",
            make_mail(
                "boss@bolt.example",
                "sat.bolt@support.example",
                "Invoice question",
                "Hello",
            ),
        )
        self._fetch(self.acme, self.bolt)
        acme_cases = self._cases(self.acme)
        self.assertEqual(
            acme_cases.mapped("name"),
            ["Grinder makes a noise", "Machine does not heat"],
        )
        first, second = acme_cases
        self.assertEqual(first.reporter_id, self.known)
        self.assertEqual(str(first.date_received), "2026-11-23 09:30:00")
        self.assertIn("It rattles since Monday.", first.symptom)
        self.assertEqual(first.message_ids.attachment_ids.mapped("name"), ["photo.jpg"])
        self.assertEqual(
            first.user_id, self.responsible, "the account's SAT responsible"
        )
        # An unknown sender becomes a contact of the account, not of their domain.
        self.assertEqual(second.reporter_id.email, "nuevo@other-domain.example")
        self.assertEqual(second.reporter_id.parent_id, self.acme)
        # The sender follows their case, a new contact too, with its responsible.
        for case in acme_cases:
            self.assertEqual(
                case.message_partner_ids,
                case.reporter_id | self.responsible.partner_id,
            )
        self.assertEqual(self._cases(self.bolt).name, "Invoice question")
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)
        self.assertEqual(self.acme.sat_last_fetch_count, 2)
        self.assertFalse(self.acme.sat_last_fetch_error)
        # Mails wait in Odoo's queue, whose cron is called at once: the fetch never
        # waits for a customer's SMTP server.
        queued = self.env["mail.mail"].search(
            [("model", "=", "sat.case"), ("res_id", "=", first.id)]
        )
        self.assertEqual(set(queued.mapped("state")), {"outgoing"})
        self.assertTrue(
            self.env["ir.cron.trigger"].search(
                [("cron_id", "=", self.ref("mail.ir_cron_mail_scheduler_action"))]
            )
        )
        # The customer's mail opens the case: the responsible is told once, by the
        # assignment mail, not a second time by the mail itself.
        request = first.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(request.subtype_id, self.env.ref("sat_support.mt_case_new"))
        self.assertFalse(request.notification_ids)

        # The acknowledgement leaves through ACME's SMTP server, from its address.
        self._send_queue(first)
        sent = {tuple(m["to"]): m for m in self.smtp.messages}
        ack = sent[("ana@acme.example",)]
        # The account's SAT responsible is told, with a link to the case.
        notices = [
            m["message"].get_body(("html", "plain")).get_content()
            for m in self.smtp.messages
            if m["to"] == ["rita@ourcompany.example"]
        ]
        self.assertTrue(
            any(f"model=sat.case&amp;res_id={first.id}" in body for body in notices),
            notices,
        )
        self.assertEqual(ack["to"], ["ana@acme.example"])
        self.assertIn("sat.acme@support.example", ack["message"]["From"])
        self.assertIn("sat.acme@support.example", ack["message"]["Reply-To"])
        self.assertIn(first.reference, ack["message"]["Subject"])
        self.assertEqual(ack["message"]["Auto-Submitted"], "auto-generated")

        # The customer answers: same thread, no new case, the case moves on.
        first.stage_id = self.env.ref("sat_support.sat_case_stage_waiting")
        self._send_queue(first)
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "ana@acme.example",
                "sat.acme@support.example",
                f"Re: [{first.reference}] We need your answer",
                "Yes, go ahead.",
                headers={"In-Reply-To": ack["message"]["Message-Id"]},
            ),
        )
        self._fetch(self.acme)
        self.assertEqual(len(self._cases(self.acme)), 2)
        answers = first.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("Yes, go ahead.", answers[0].body)
        self.assertEqual(
            first.stage_id, self.env.ref("sat_support.sat_case_stage_in_progress")
        )

    def test_mail_classified_then_routed(self):
        """A mail about a double charge reaches the billing team's member, and the
        serial it names becomes the case's, in the fetch's own transaction."""
        billing = self.env.ref("sat_support.sat_case_category_billing")
        defect = self.env.ref("sat_support.sat_case_category_product_defect")
        clerk = new_test_user(
            self.env, "billing_clerk", groups="sat_support.group_sat_user"
        )
        billing.team_id = self.env["sat.team"].create(
            {
                "name": "Billing (mail test)",
                "member_ids": [fields.Command.set(clerk.ids)],
                "assign_method": "round_robin",
            }
        )
        self.acme.sat_responsible_id = False  # else the responsible takes every case
        product = self.env["product.product"].create(
            {"name": "Mail Test Machine", "is_storable": True, "tracking": "serial"}
        )
        lot = self.env["stock.lot"].create(
            {"name": "MT-2026-77", "product_id": product.id}
        )
        history = [
            (billing, "Cobro duplicado", "Nos habéis cobrado dos veces la factura."),
            (billing, "Double charge", "You charged us twice for the same invoice."),
            (
                billing,
                "Error factura",
                "El importe de la factura no es el del presupuesto.",
            ),
            (defect, "Fuga", "La máquina pierde agua por debajo del grupo."),
            (defect, "Leak", "The machine is leaking water under the group head."),
            (defect, "Ruido", "El molinillo hace un ruido fuerte y se para."),
        ]
        self.env["sat.case"].create(
            [
                {
                    "name": subject,
                    "symptom": body,
                    "partner_id": self.bolt.id,
                    "category_id": category.id,
                    "stage_id": self.env.ref("sat_support.sat_case_stage_closed").id,
                    "solution": "<p>Done</p>",
                    "case_type": "courtesy",
                }
                for category, subject, body in history
            ]
            + [{"name": "Installed", "partner_id": self.acme.id, "lot_id": lot.id}]
        )
        self.env["sat.case.classifier.term"]._train(self.env.company)
        for subject, body in (
            (
                "Reclamacion",
                (
                    "Hola,\nnos habeis cobrado dos veces la factura de noviembre.\n\n"
                    "Un saludo,\nAna\n\nAVISO LEGAL: este mensaje es confidencial."
                ),
            ),
            ("Fuga en MT-2026-77", "La maquina pierde agua desde esta mañana."),
        ):
            self.dovecot.deliver(
                "sat.acme",
                make_mail(
                    "Ana Known <ana@acme.example>",
                    "sat.acme@support.example",
                    subject,
                    body,
                ),
            )
        self._fetch(self.acme)
        charge, leak = self._cases(self.acme).filtered(lambda c: c.name != "Installed")
        self.assertEqual(
            (charge.category_id, charge.category_origin), (billing, "learned")
        )
        self.assertEqual((charge.team_id, charge.user_id), (billing.team_id, clerk))
        self.assertEqual(leak.category_id, defect)
        self.assertEqual((leak.lot_id, leak.product_id), (lot, product))

    def test_reply_found_by_reference_in_subject(self):
        case = self.env["sat.case"].create(
            {"name": "Old case", "partner_id": self.acme.id}
        )
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "ana@acme.example",
                "sat.acme@support.example",
                f"About {case.reference}",
                "One more detail.",
            ),
        )
        self._fetch(self.acme)
        self.assertEqual(self._cases(self.acme), case)
        answer = case.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("One more detail.", answer.body)

    def test_portal_answer_moves_a_waiting_case(self):
        waiting = self.env.ref("sat_support.sat_case_stage_waiting")
        in_progress = self.env.ref("sat_support.sat_case_stage_in_progress")
        waiting.reply_stage_id = in_progress
        portal = new_test_user(self.env, "acme_portal", groups="base.group_portal")
        portal.partner_id.parent_id = self.acme
        case = self.env["sat.case"].create(
            {"name": "Waiting on the portal", "partner_id": self.acme.id}
        )
        case.stage_id = waiting
        # The team's own comment leaves it waiting; the customer's answer moves it.
        case.with_user(self.responsible).message_post(
            body="Could you send a photo?",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.assertEqual(case.stage_id, waiting)
        case.with_user(portal).message_post(
            body="Here it is", message_type="comment", subtype_xmlid="mail.mt_comment"
        )
        self.assertEqual(case.stage_id, in_progress)

    def test_same_message_id_twice_gives_one_case(self):
        raw = make_mail(
            "ana@acme.example",
            "sat.acme@support.example",
            "Twice",
            "Body",
            message_id="<same-id@customer.example>",
        )
        self.dovecot.deliver("sat.acme", raw)
        self._fetch(self.acme)
        self.dovecot.deliver("sat.acme", raw)  # delivered again
        self._fetch(self.acme)
        self.assertEqual(len(self._cases(self.acme)), 1)
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)

    def test_automatic_mails_open_no_case(self):
        for headers, sender in (
            ({"Auto-Submitted": "auto-replied"}, "ana@acme.example"),
            ({"Precedence": "bulk"}, "news@acme.example"),
            ({"X-Autoreply": "yes"}, "ana@acme.example"),
            ({}, "MAILER-DAEMON@acme.example"),
        ):
            self.dovecot.deliver(
                "sat.acme",
                make_mail(
                    sender,
                    "sat.acme@support.example",
                    "Out of office",
                    "Back Monday",
                    headers=headers,
                ),
            )
        self._fetch(self.acme)
        self.assertFalse(self._cases(self.acme))
        self.assertFalse(
            self.env["mail.mail"].search([("email_to", "ilike", "acme.example")])
        )

    def test_broken_mails_do_not_stop_the_fetch(self):
        self.dovecot.deliver(
            "sat.acme",
            b"From: ana@acme.example\r\nSubject: =?x-unknown?Q?caf=E9?=\r\n"
            b"Content-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9 roto\r\n",
        )
        self.dovecot.deliver(
            "sat.acme",
            b"From: \xff\xfe@@\r\nSubject: \xe9t\xe9\r\nContent-Type: "
            b'multipart/mixed; boundary="none"\r\n\r\n--broken\r\n',
        )
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "ana@acme.example",
                "sat.acme@support.example",
                "A good one",
                "Fine",
            ),
        )
        self._fetch(self.acme)
        cases = self._cases(self.acme)
        self.assertIn("A good one", cases.mapped("name"))
        # The unknown charset is read as Latin-1: a case, its text legible.
        self.assertIn("café", cases.mapped("name"))
        self.assertIn("café roto", cases.filtered(lambda c: c.name == "café").symptom)
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0, "each mail gave a case")
        self.assertEqual(len(cases), 3)

    def test_failing_mail_is_undone_alone_and_stays_unread(self):
        """Mails are committed in groups, each in its own savepoint: a mail that fails
        in the middle of a group takes nothing else with it."""
        waiting = self.env.ref("sat_support.sat_case_stage_waiting")
        closed = self.env.ref("sat_support.sat_case_stage_closed")
        # A configuration mistake: an answer would close the case, which a case
        # without a solution refuses.
        waiting.reply_stage_id = closed
        case = self.env["sat.case"].create(
            {"name": "Waiting case", "partner_id": self.acme.id}
        )
        case.stage_id = waiting
        for subject in ("Before", f"Re: [{case.reference}] answer", "After"):
            self.dovecot.deliver(
                "sat.acme",
                make_mail("ana@acme.example", "sat.acme@support.example", subject, "x"),
            )
        self._fetch(self.acme)
        cases = self._cases(self.acme)
        self.assertEqual(cases.mapped("name"), ["Waiting case", "Before", "After"])
        self.assertEqual(case.stage_id, waiting)
        self.assertFalse(case.message_ids.filtered(lambda m: m.message_type == "email"))
        # Each committed case has its acknowledgement, made inside its savepoint.
        for new_case in cases[1:]:
            self.assertTrue(
                self.env["mail.mail"].search(
                    [("model", "=", "sat.case"), ("res_id", "=", new_case.id)]
                )
            )
        self.assertEqual(self.dovecot.unseen("sat.acme"), 1, "the failing mail")
        self.assertEqual(self.acme.sat_last_fetch_count, 2)
        self.assertIn("stays unread", self.acme.sat_last_fetch_error)
        self.assertIn("solution", self.acme.sat_last_fetch_error)

        failure = self.env["sat.mail.gateway.failure"].search(
            [("partner_id", "=", self.acme.id)]
        )
        self.assertEqual((failure.state, failure.attempts), ("retry", 1))
        self.assertIn("answer", failure.subject)
        # Not tried again before its next attempt: no spinning on a failing mail.
        self._fetch(self.acme)
        self.assertEqual(failure.attempts, 1)
        self.assertEqual(self.dovecot.unseen("sat.acme"), 1)

        # Once the stage is mended, the next attempt takes the mail that stayed unread.
        waiting.reply_stage_id = self.env.ref("sat_support.sat_case_stage_in_progress")
        failure.date_next_attempt = fields.Datetime.subtract(
            fields.Datetime.now(), minutes=1
        )
        self._fetch(self.acme)
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)
        self.assertEqual(len(self._cases(self.acme)), 3)
        self.assertIn(
            "x", case.message_ids.filtered(lambda m: m.message_type == "email").body
        )
        self.assertFalse(self.acme.sat_last_fetch_error)

    def _deliver_requests(self, count):
        for i in range(count):
            self.dovecot.deliver(
                "sat.acme",
                make_mail(
                    "Ana Known <ana@acme.example>",
                    "sat.acme@support.example",
                    f"Request {i}",
                    "Body",
                    # Written now: its SLA starts now, as a mail's does.
                    date=formatdate(),
                ),
            )

    def _fetch_queries(self, count, commit_every):
        self.env["ir.config_parameter"].set_param(
            "sat_mail_gateway.commit_every", commit_every
        )
        self._deliver_requests(count)
        queries = self.cr.sql_log_count
        self._fetch(self.acme)
        return self.cr.sql_log_count - queries

    def test_group_finds_each_sender_once(self):
        """The contacts of a group's senders are found for the whole group: a
        known contact is kept, and a new sender's second mail finds the contact
        made for their first one."""
        for sender, subject in (
            ("Nueva <nueva@elsewhere.example>", "First"),
            ("Ana Known <ana@acme.example>", "Second"),
            ("Nueva <nueva@elsewhere.example>", "Third"),
        ):
            self.dovecot.deliver(
                "sat.acme",
                make_mail(sender, "sat.acme@support.example", subject, "Body"),
            )
        self._fetch(self.acme)
        cases = self._cases(self.acme)
        self.assertEqual(cases.mapped("name"), ["First", "Second", "Third"])
        nueva = self.env["res.partner"].search(
            [("email_normalized", "=", "nueva@elsewhere.example")]
        )
        self.assertEqual(len(nueva), 1)
        self.assertEqual(nueva.parent_id, self.acme)
        self.assertEqual(
            [case.reporter_id for case in cases], [nueva, self.known, nueva]
        )

    def test_each_group_wakes_the_mail_cron(self):
        """A group's acknowledgements and notifications are handed to Odoo's mail
        cron as soon as the group is committed: another cron worker sends them
        while the next group is read. A fetch that made nothing wakes nothing."""
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        triggers = self.env["ir.cron.trigger"]
        triggers.search([("cron_id", "=", cron.id)]).unlink()
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.commit_every", 2)
        self._deliver_requests(5)
        self._fetch(self.acme)
        self.assertEqual(len(self._cases(self.acme)), 5)
        woken = triggers.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(woken), 3)
        self.assertTrue(
            all(at <= fields.Datetime.now() for at in woken.mapped("call_at"))
        )
        self._fetch(self.acme)
        self.assertEqual(triggers.search_count([("cron_id", "=", cron.id)]), 3)

    def test_query_count_per_mail(self):
        # Every mail acknowledged, as a customer writing now and then would be.
        self.env["ir.config_parameter"].set_param(
            "sat_mail_gateway.acknowledgements_per_hour", 100
        )
        self._fetch_queries(1, 25)  # warm the caches
        one_by_one = self._fetch_queries(10, 1)
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.commit_every", 25)
        self._deliver_requests(10)
        # Ten mails in one group: each case with its SLA, assignment mail and
        # acknowledgement; what Odoo reads for every mail is read once for the group.
        with self.assertQueryCount(481):
            self._fetch(self.acme)
        self.assertEqual(len(self._cases(self.acme)), 21)
        self.assertGreater(
            one_by_one, 1.4 * 481, "a commit per mail reads it all again"
        )

    def test_cron_reads_due_mailboxes_and_resumes(self):
        servers = self.env["fetchmail.server"].search([("sat_partner_id", "!=", False)])
        mine = (self.acme | self.bolt).sat_fetchmail_server_id
        # Other customers' mailboxes (demo data) are not due during this test.
        (servers - mine).sat_next_fetch = "2099-01-01"
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.batch_size", 2)
        for i in range(3):
            self.dovecot.deliver(
                "sat.acme",
                make_mail("ana@acme.example", "sat.acme@support.example", f"A{i}", "x"),
            )
        self.dovecot.deliver(
            "sat.bolt",
            make_mail("boss@bolt.example", "sat.bolt@support.example", "B", "x"),
        )
        self._run_cron()
        # ACME had more than a batch: it was taken again in the same run.
        self.assertEqual(self._cases(self.acme).mapped("name"), ["A0", "A1", "A2"])
        self.assertEqual(self._cases(self.bolt).mapped("name"), ["B"])
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)
        for server in mine:
            self.assertGreater(server.sat_next_fetch, fields.Datetime.now())

        # Odoo's own fetch job leaves customer mailboxes to these workers.
        self.dovecot.deliver(
            "sat.acme",
            make_mail("ana@acme.example", "sat.acme@support.example", "Later", "x"),
        )
        self.env["fetchmail.server"]._fetch_mails()
        self.assertEqual(self.dovecot.unseen("sat.acme"), 1)

    def test_huge_attachment_is_dropped_with_a_note(self):
        self.env["ir.config_parameter"].set_param(
            "sat_mail_gateway.max_attachment_size", 1024 * 1024
        )
        self.dovecot.deliver(
            "sat.acme",
            make_mail(
                "ana@acme.example",
                "sat.acme@support.example",
                "Video of the fault",
                "See video",
                attachment=("fault.mp4", b"0" * (2 * 1024 * 1024)),
            ),
        )
        self._fetch(self.acme)
        case = self._cases(self.acme)
        self.assertEqual(len(case), 1)
        self.assertFalse(case.message_ids.attachment_ids)
        incoming = case.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertIn("fault.mp4", incoming.body)

    def test_dead_server_is_reported_and_others_still_fetched(self):
        self.acme.sat_imap_port = 1  # nothing listens there
        self.dovecot.deliver(
            "sat.bolt",
            make_mail(
                "boss@bolt.example",
                "sat.bolt@support.example",
                "Still works",
                "Body",
            ),
        )
        self._fetch(self.acme, self.bolt)
        self.assertIn("Mailbox unreachable", self.acme.sat_last_fetch_error)
        self.assertEqual(self._cases(self.bolt).name, "Still works")
        self.acme.sat_imap_port = self.dovecot.port
        self.acme.sat_imap_password = "wrong"
        self._fetch(self.acme)
        self.assertIn("Mailbox unreachable", self.acme.sat_last_fetch_error)

    def test_silent_server_times_out(self):
        """A server that accepts the connection and never answers."""
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        self.addCleanup(silent.close)
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.timeout", "1")
        self.acme.sat_imap_port = silent.getsockname()[1]
        self.dovecot.deliver(
            "sat.bolt",
            make_mail(
                "boss@bolt.example",
                "sat.bolt@support.example",
                "Not delayed",
                "Body",
            ),
        )
        self._fetch(self.acme, self.bolt)
        self.assertIn("timed out", self.acme.sat_last_fetch_error)
        self.assertEqual(self._cases(self.bolt).name, "Not delayed")

    def test_credentials_for_system_administrators_only(self):
        manager = new_test_user(
            self.env, "sat_mgr_gw", groups="sat_support.group_sat_manager"
        )
        acme = self.acme.with_user(manager)
        self.assertEqual(acme.sat_mailbox_email, "sat.acme@support.example")
        with self.assertRaises(AccessError):
            acme.read(["sat_imap_password"])
        with self.assertRaises(AccessError):
            acme.write({"sat_smtp_password": "stolen"})
        employee = new_test_user(self.env, "plain_gw", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.acme.with_user(employee).read(["sat_mailbox_email"])
