import base64
import time
from email.message import EmailMessage
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged
from odoo.tools import config

from ..tools.mail_servers import SmtpCapture
from .common import SatMailGatewayCase, make_mail


@tagged("post_install", "-at_install")
class TestSatMailGatewayIncoming(SatMailGatewayCase):
    """Whoever writes and whoever fetches, a mail of a customer's mailbox is that
    customer's; failing, oversized, repeated and robotic mails neither block, nor
    double, nor loop."""

    def _deliver(self, login, sender, subject, body="x", **kwargs):
        self.dovecot.deliver(
            login,
            make_mail(sender, f"{login}@support.example", subject, body, **kwargs),
        )

    def _run_cron(self):
        servers = self.env["fetchmail.server"].search([("sat_partner_id", "!=", False)])
        (servers - self.acme.sat_fetchmail_server_id).sat_next_fetch = "2099-01-01"
        self.acme.sat_fetchmail_server_id.sat_next_fetch = False
        return super()._run_cron()

    # ------------------------------------------------------------------ senders
    def test_mail_from_portal_contact_is_the_customers_case(self):
        portal = new_test_user(
            self.env,
            "acme_portal_mail",
            groups="base.group_portal",
            email="pablo@acme.example",
            name="Pablo Portal",
        )
        portal.partner_id.parent_id = self.acme
        raw = make_mail(
            "Pablo Portal <pablo@acme.example>",
            "sat.acme@support.example",
            "Screen black",
            "x",
        )
        # Delivered twice (a client's retry): the duplicate check holds for a mail
        # processed as its author, an Odoo user.
        self.dovecot.deliver("sat.acme", raw)
        self.dovecot.deliver("sat.acme", raw)
        self._fetch(self.acme)
        case = self._cases(self.acme)
        self.assertEqual(case.name, "Screen black")
        self.assertEqual(case.reporter_id, portal.partner_id)
        self.assertEqual(
            case.sudo().fetchmail_server_id, self.acme.sat_fetchmail_server_id
        )
        self.assertTrue(
            self.env["mail.mail"].search(
                [
                    ("model", "=", "sat.case"),
                    ("res_id", "=", case.id),
                    ("recipient_ids", "in", portal.partner_id.ids),
                ]
            ),
            "the portal contact is acknowledged",
        )
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0, "both read, one case")

    def test_mail_from_an_employee_is_the_customers_case(self):
        # Who wrote each mail of a group is found for the group at once: the
        # employee's mail and a stranger's, side by side, each keep their sender.
        self._deliver(
            "sat.acme",
            "Rita Responsible <rita@ourcompany.example>",
            "Called by ACME: grinder stuck",
        )
        self._deliver("sat.acme", "Nora New <nora@elsewhere.example>", "No steam")
        contacts = self.acme.child_ids
        self._fetch(self.acme)
        case, stranger = self._cases(self.acme).sorted("id")
        self.assertEqual(case.name, "Called by ACME: grinder stuck")
        self.assertEqual(case.reporter_id, self.acme, "the account reports it")
        self.assertEqual(case.create_uid.email, "rita@ourcompany.example")
        self.assertEqual(stranger.reporter_id.email, "nora@elsewhere.example")
        self.assertEqual(stranger.reporter_id.parent_id, self.acme)
        self.assertFalse(stranger.create_uid.email == "rita@ourcompany.example")
        self.assertEqual(
            self.acme.child_ids - contacts,
            stranger.reporter_id,
            "a contact made of the stranger, none of our staff",
        )

    def test_fetch_now_by_sat_manager_and_user(self):
        manager = new_test_user(
            self.env, "gw_manager", groups="sat_support.group_sat_manager"
        )
        user = new_test_user(self.env, "gw_user", groups="sat_support.group_sat_user")
        for login, who in (("first", manager), ("second", user)):
            self._deliver("sat.acme", "ana@acme.example", f"Fetched by the {login}")
            self.env.flush_all()
            self.registry.enter_test_mode(self.cr)
            try:
                with self.registry.cursor() as cr:
                    self.env(cr=cr, user=who)["res.partner"].browse(
                        self.acme.id
                    ).action_sat_fetch_now()
            finally:
                self.registry.leave_test_mode()
            self.env.invalidate_all()
        cases = self._cases(self.acme)
        self.assertEqual(
            cases.mapped("name"), ["Fetched by the first", "Fetched by the second"]
        )
        # The button says what it did.
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with self.registry.cursor() as cr:
                partner = self.env(cr=cr, user=manager)["res.partner"]
                nothing = partner.browse(self.acme.id).action_sat_fetch_now()
                self.dovecot.deliver(
                    "sat.acme",
                    make_mail("ana@acme.example", "sat.acme@support.example", "A", "x"),
                )
                one = partner.browse(self.acme.id).action_sat_fetch_now()
                self.acme.with_env(partner.env).sudo().sat_imap_port = 1
                dead = partner.browse(self.acme.id).action_sat_fetch_now()
        finally:
            self.registry.leave_test_mode()
        self.assertEqual(nothing["params"]["message"], "No new mail in the mailbox.")
        self.assertIn("Mails fetched: 1.", one["params"]["message"])
        self.assertEqual(dead["params"]["type"], "warning")
        self.assertIn("Mailbox unreachable", dead["params"]["message"])
        self.assertEqual(cases.reporter_id, self.known)

    def test_mailbox_buttons_check_the_callers_rights(self):
        portal = new_test_user(self.env, "gw_portal_btn", groups="base.group_portal")
        employee = new_test_user(self.env, "gw_employee_btn", groups="base.group_user")
        user = new_test_user(
            self.env, "gw_user_btn", groups="sat_support.group_sat_user"
        )
        for who, buttons in (
            (portal, ("incoming", "outgoing", "fetch_now")),
            (employee, ("incoming", "outgoing", "fetch_now")),
            (user, ("incoming", "outgoing")),
        ):
            for button in buttons:
                with self.assertRaises(AccessError, msg=f"{who.login} {button}"):
                    getattr(
                        self.acme.with_user(who), f"action_sat_test_{button}"
                    )() if (button != "fetch_now") else self.acme.with_user(
                        who
                    ).action_sat_fetch_now()
        self._deliver("sat.acme", "ana@acme.example", "Not fetched by a stranger")
        self.assertEqual(self.dovecot.unseen("sat.acme"), 1)

    # ------------------------------------------------------------------ threads
    def test_reference_in_subject_is_a_threaded_reply(self):
        case = self.env["sat.case"].create(
            {
                "name": "Old case",
                "partner_id": self.acme.id,
                "user_id": self.responsible.id,
            }
        )
        self.assertIn(self.responsible.partner_id, case.message_partner_ids)
        other = self.env["sat.case"].create(
            {"name": "Bolt's case", "partner_id": self.bolt.id}
        )
        self._deliver("sat.acme", "ana@acme.example", f"About {case.reference}", "More")
        self._deliver(
            "sat.acme", "ana@acme.example", f"Re: [{other.reference}] stolen", "Hi"
        )
        self._fetch(self.acme)
        answer = case.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(answer.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertFalse(answer.is_internal, "shown on the portal")
        self.assertIn(
            self.responsible.partner_id,
            answer.notification_ids.res_partner_id,
            "the followers are notified",
        )
        # Bolt's case is named in ACME's mailbox: a new ACME case, Bolt's untouched.
        self.assertFalse(
            other.message_ids.filtered(lambda m: m.message_type == "email")
        )
        new = self._cases(self.acme) - case
        self.assertEqual(new.name, f"Re: [{other.reference}] stolen")

    def test_reply_headers_to_another_customers_case_open_a_case(self):
        other = self.env["sat.case"].create(
            {"name": "Bolt's case", "partner_id": self.bolt.id}
        )
        message = other.message_post(body="Internal", message_type="comment")
        self._deliver(
            "sat.acme",
            "ana@acme.example",
            "Looks like a reply",
            headers={"In-Reply-To": message.message_id},
        )
        # A mail answering a message of another kind of record (here the customer's
        # own chatter) is a case all the same: the mailbox says what it is for.
        note = self.acme.message_post(body="Visit planned", message_type="comment")
        self._deliver(
            "sat.acme",
            "ana@acme.example",
            "Re: Visit planned",
            headers={"In-Reply-To": note.message_id},
        )
        self._fetch(self.acme)
        self.assertEqual(
            self._cases(self.acme).mapped("name"),
            ["Looks like a reply", "Re: Visit planned"],
        )
        self.assertFalse(
            other.message_ids.filtered(lambda m: m.message_type == "email")
        )
        self.assertFalse(
            self.acme.message_ids.filtered(lambda m: m.message_type == "email")
        )
        # Ana answers her case: the thread, with Ana its author.
        case = self._cases(self.acme)[0]
        acknowledgement = case.message_ids.filtered(
            lambda m: m.message_type != "email"
        )[:1]
        self._deliver(
            "sat.acme",
            "Ana <ana@acme.example>",
            "Re: thanks",
            headers={"In-Reply-To": acknowledgement.message_id},
        )
        self._fetch(self.acme)
        self.assertEqual(len(self._cases(self.acme)), 2)
        answer = case.message_ids.filtered(
            lambda m: m.message_type == "email" and m.subject == "Re: thanks"
        )
        self.assertEqual(answer.author_id, case.reporter_id)

    # ------------------------------------------------------------------ duplicates
    def test_mail_without_message_id_fetched_twice_gives_one_case(self):
        mail = EmailMessage()
        mail["From"] = "ana@acme.example"
        mail["To"] = "sat.acme@support.example"
        mail["Subject"] = "No Message-Id"
        mail.set_content("Lost connection after the commit")
        raw = mail.as_bytes()
        self.assertNotIn(b"Message-Id:", raw)
        self.dovecot.deliver("sat.acme", raw)
        self._fetch(self.acme)
        # The \Seen flag was lost with the connection: the same mail comes again.
        self.dovecot.deliver("sat.acme", raw)
        self._fetch(self.acme)
        self.assertEqual(self._cases(self.acme).mapped("name"), ["No Message-Id"])
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)

    # ------------------------------------------------------------------ robots
    def test_ticketing_robot_cannot_loop(self):
        # Odoo would drop the mails of a sender past this count: a mailbox keeps all.
        self.env["ir.config_parameter"].set_param("mail.gateway.loop.threshold", 3)
        for i in range(8):
            self._deliver(
                "sat.acme",
                "Helpdesk Robot <tickets@robot.example>",
                f"Ticket #{i} opened",
            )
        self._fetch(self.acme)
        cases = self._cases(self.acme)
        self.assertEqual(len(cases), 8, "a busy sender never loses a case")
        robot_mails = self.env["mail.mail"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "in", cases.ids),
                ("recipient_ids.email", "=", "tickets@robot.example"),
            ]
        )
        self.assertEqual(len(robot_mails), 5, "at most 5 acknowledgements an hour")
        last = cases[-1]
        self.assertIn(
            "No acknowledgement sent",
            " ".join(last.message_ids.mapped("body")),
        )

    def test_lists_and_hand_made_bounces_open_no_case(self):
        self._deliver(
            "sat.acme",
            "news@vendor.example",
            "Our newsletter",
            headers={"List-Unsubscribe": "<mailto:unsubscribe@vendor.example>"},
        )
        self._deliver(
            "sat.acme",
            "team@vendor.example",
            "Forum digest",
            headers={"List-Id": "<f.x>"},
        )
        self._deliver("sat.acme", "postmaster@acme.example", "Delivery report")
        self._deliver(
            "sat.acme", "it@acme.example", "Undeliverable: We received your request"
        )
        self._fetch(self.acme)
        self.assertFalse(self._cases(self.acme))
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0, "read, not retried")

    # ------------------------------------------------------------------ failures
    def test_failing_mails_are_set_aside_and_replayed(self):
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.batch_size", 3)
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.max_attempts", 3)
        # A broken acknowledgement template fails the mails named "Bad ...".
        template = self.env.ref("sat_support.mail_template_case_received")
        original = template.subject
        template.subject = (
            "{{ object.name.startswith('Bad') and object.no_such_field "
            "or object.name }}"
        )
        for i in range(5):
            self._deliver("sat.acme", "ana@acme.example", f"Bad {i}")
        self._deliver("sat.acme", "ana@acme.example", "Good one")
        self._run_cron()
        self.assertEqual(self._cases(self.acme).mapped("name"), ["Good one"])
        failures = self.env["sat.mail.gateway.failure"].search(
            [("partner_id", "=", self.acme.id)], order="id"
        )
        self.assertEqual(len(failures), 5)
        self.assertEqual(set(failures.mapped("attempts")), {1}, "each tried once a run")
        self.assertEqual(set(failures.mapped("state")), {"retry"})
        self.assertEqual(self.dovecot.unseen("sat.acme"), 5)
        self.assertGreater(
            self.acme.sat_fetchmail_server_id.sat_next_fetch,
            fields.Datetime.now(),
            "failing mails do not make the mailbox due again at once",
        )

        # Two more attempts, when they are due: then set aside, read in the mailbox.
        for _attempt in range(2):
            failures.date_next_attempt = fields.Datetime.subtract(
                fields.Datetime.now(), minutes=1
            )
            self._run_cron()
        self.assertEqual(set(failures.mapped("state")), {"failed"})
        self.assertEqual(set(failures.mapped("attempts")), {3})
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)
        self.assertIn("set aside", self.acme.sat_last_fetch_error)
        first = failures[0]
        self.assertEqual(first.subject, "Bad 0")
        self.assertEqual(first.email_from, "ana@acme.example")
        self.assertIn("no_such_field", first.error)
        self.assertIn(b"Subject: Bad 0", base64.b64decode(first.raw))

        # Administrators only; the mail still fails before the fix.
        sat_manager = new_test_user(
            self.env, "gw_mgr_replay", groups="sat_support.group_sat_manager"
        )
        with self.assertRaises(AccessError):
            first.with_user(sat_manager).action_replay()
        with self.assertRaises(UserError):
            first.action_replay()
        template.subject = original
        first.action_replay()
        replayed = self._cases(self.acme).filtered(lambda c: c.name == "Bad 0")
        self.assertEqual(len(replayed), 1)
        self.assertEqual((first.state, first.case_id), ("replayed", replayed))
        with self.assertRaises(UserError):
            first.action_replay()  # once only
        failures[1].action_discard()
        self.assertEqual(failures[1].state, "discarded")

    def test_oversized_mail_becomes_a_case_without_its_content(self):
        self.env["ir.config_parameter"].set_param(
            "sat_mail_gateway.max_mail_size", 1024 * 1024
        )
        self._deliver(
            "sat.acme",
            "ana@acme.example",
            "Eight videos",
            "See the videos",
            attachment=("fault.mp4", b"0" * (3 * 1024 * 1024)),
        )
        self._fetch(self.acme)
        case = self._cases(self.acme)
        self.assertEqual(case.name, "Eight videos")
        self.assertEqual(case.reporter_id, self.known)
        self.assertIn("over the size limit", case.symptom)
        self.assertFalse(case.message_ids.attachment_ids)
        self.assertEqual(self.dovecot.unseen("sat.acme"), 0)

    def test_dead_mailbox_is_backed_off_and_reported(self):
        server = self.acme.sat_fetchmail_server_id
        self.acme.sat_imap_port = 1  # nothing listens there
        delays = []
        for _run in range(3):
            before = fields.Datetime.now()
            self._fetch(self.acme)
            delays.append((server.sat_next_fetch - before).total_seconds() // 60)
        self.assertEqual(server.sat_failure_count, 3)
        self.assertEqual(delays, [5, 10, 20], "fetched less and less often")
        activity = self.acme.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("sat_mail_gateway.mail_activity_type_mailbox_down")
            )
        )
        self.assertEqual(activity.user_id, self.responsible)
        self.assertIn("Mailbox unreachable", activity.note)
        self._fetch(self.acme)
        self.assertEqual(len(self.acme.activity_ids), 1, "reported once")

        self.acme.sat_imap_port = self.dovecot.port
        self._fetch(self.acme)
        self.assertEqual(server.sat_failure_count, 0)
        self.assertFalse(self.acme.activity_ids, "cleared when it works again")


@tagged("post_install", "-at_install")
class TestSatMailGatewayAddress(SatMailGatewayCase):
    def test_support_address_is_one_full_foreign_address(self):
        company_domain = self.env.company.email.split("@")[1]
        for address in (
            "support.example",
            "@support.example",
            "a@support.example, b@support.example",
            f"sat@{company_domain}",
            "SAT.bolt@support.example",
        ):
            with self.assertRaises(ValidationError, msg=address):
                self.acme.sat_mailbox_email = address
        self.acme.sat_mailbox_email = " SAT.Acme2@Support.Example "
        self.assertEqual(self.acme.sat_mailbox_email, "sat.acme2@support.example")
        self.assertEqual(
            self.acme.sat_mail_server_id.from_filter, "sat.acme2@support.example"
        )


@tagged("post_install", "-at_install")
class TestSatMailGatewayOutgoing(SatMailGatewayCase):
    """A customer's SMTP server carries that customer's case mails and nothing else;
    a mail it cannot take now is sent again later, once."""

    def _new_mails(self, since_id):
        return self.env["mail.mail"].search(
            [("id", ">", since_id), ("state", "=", "outgoing")]
        )

    def _last_mail_id(self):
        return self.env["mail.mail"].search([], order="id desc", limit=1).id

    def _wait(self, capture, count):
        for _i in range(50):
            if len(capture.messages) >= count:
                return
            time.sleep(0.1)

    def _send_all(self, since_id):
        self.cr.flush()
        with self._real_smtp():
            self._new_mails(since_id).send()

    def _company_mails(self, bolt_contact):
        """An invoice mail, a password reset and Bolt's acknowledgement (Bolt has
        no SMTP server of its own)."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.bolt.id,
                "invoice_line_ids": [
                    Command.create({"name": "Repair", "price_unit": 100.0})
                ],
            }
        )
        invoice.message_post(
            body="Your invoice",
            partner_ids=bolt_contact.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        # A mail naming ACME's server by hand, for another document.
        self.env["mail.mail"].create(
            {
                "subject": "Statement",
                "email_from": "sat.acme@support.example",
                "email_to": "boss@bolt.example",
                "body_html": "<p>Statement</p>",
                "model": "account.move",
                "res_id": invoice.id,
                "mail_server_id": self.acme.sat_mail_server_id.id,
            }
        )
        self.env["sat.case"].create(
            {
                "name": "Bolt's bars",
                "partner_id": self.bolt.id,
                "reporter_id": bolt_contact.id,
            }
        )

    def test_customer_server_carries_only_its_customers_mails(self):
        general = SmtpCapture().start()
        self.addCleanup(general.stop)
        self.bolt.sat_smtp_host = False
        bolt_contact = self.env["res.partner"].create(
            {"name": "Boss", "email": "boss@bolt.example", "parent_id": self.bolt.id}
        )
        portal = new_test_user(
            self.env,
            "bolt_portal_reset",
            groups="base.group_portal",
            email="p@bolt.example",
        )
        self.assertFalse(
            self.env["ir.mail_server"].search([("sat_partner_id", "=", False)]),
            "no general server: Odoo's command-line SMTP settings send",
        )
        since = self._last_mail_id()
        cli = {
            "smtp_server": "127.0.0.1",
            "smtp_port": general.port,
            "smtp_ssl": False,
            "smtp_user": False,
            "smtp_password": False,
        }
        with patch.dict(config.options, cli):
            self._company_mails(bolt_contact)
            with self._real_smtp():
                portal.action_reset_password()
            acme_case = self.env["sat.case"].create(
                {
                    "name": "ACME's own",
                    "partner_id": self.acme.id,
                    "reporter_id": self.known.id,
                }
            )
            self._send_all(since)
            self._wait(general, 4)
        # ACME's server sent ACME's case mails (to Ana, to her responsible), from
        # ACME's support address, and nothing else.
        self.assertIn(["ana@acme.example"], [m["to"] for m in self.smtp.messages])
        for sent in self.smtp.messages:
            self.assertIn(acme_case.reference, sent["message"]["Subject"])
            self.assertEqual(sent["from"], "sat.acme@support.example")
        subjects = " | ".join(str(m["message"]["Subject"]) for m in general.messages)
        for expected in ("Password reset", "Statement", "Bolt's bars"):
            self.assertIn(expected, subjects)
        self.assertIn(["boss@bolt.example"], [m["to"] for m in general.messages])

        # With a general server of the company, that server sends them.
        company = SmtpCapture().start()
        self.addCleanup(company.stop)
        self.env["ir.mail_server"].create(
            {"name": "Company", "smtp_host": "127.0.0.1", "smtp_port": company.port}
        )
        since = self._last_mail_id()
        self.smtp.messages.clear()
        self._company_mails(bolt_contact)
        with self._real_smtp():
            portal.action_reset_password()
        self._send_all(since)
        self._wait(company, 4)
        subjects = " | ".join(str(m["message"]["Subject"]) for m in company.messages)
        for expected in ("Password reset", "Statement", "Bolt's bars"):
            self.assertIn(expected, subjects)
        self.assertFalse(self.smtp.messages)

    def _cedar(self, port):
        cedar = self._mailbox_customer("Cedar Coffee", "sat.cedar", "cedar-secret")
        cedar.write({"sat_smtp_port": port, "sat_responsible_id": self.responsible.id})
        contact = self.env["res.partner"].create(
            {"name": "Carla", "email": "carla@cedar.example", "parent_id": cedar.id}
        )
        case = self.env["sat.case"].create(
            {"name": "Cedar's case", "partner_id": cedar.id, "reporter_id": contact.id}
        )
        self.cr.flush()
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "sat.case"),
                ("res_id", "=", case.id),
                ("recipient_ids", "in", contact.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        return case, mail

    def _undelivered(self, case):
        return case.activity_ids.filtered(
            lambda a: (
                a.activity_type_id
                == self.env.ref("sat_mail_gateway.mail_activity_type_mail_failed")
            )
        )

    def _process_queue(self, mail):
        with self._real_smtp():
            self.env["mail.mail"].process_email_queue(ids=mail.ids)
        mail.invalidate_recordset()

    def test_temporary_failure_retried_and_delivered_once(self):
        down = SmtpCapture()  # its port, nothing listening yet
        case, mail = self._cedar(down.port)
        mail.auto_delete = False
        self._process_queue(mail)
        self.assertEqual((mail.state, mail.sat_retry_count), ("outgoing", 1))
        self.assertGreater(mail.scheduled_date, fields.Datetime.now())
        self.assertIn("refused", mail.failure_reason.lower())
        self._process_queue(mail)  # not due yet: not tried
        self.assertEqual(mail.sat_retry_count, 1)

        up = down.start()
        self.addCleanup(up.stop)
        mail.scheduled_date = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        self._process_queue(mail)
        self._wait(up, 1)
        self.assertEqual(mail.state, "sent")
        self._process_queue(mail)
        time.sleep(0.3)
        self.assertEqual([m["to"] for m in up.messages], [["carla@cedar.example"]])
        self.assertIn(case.reference, up.messages[0]["message"]["Subject"])
        self.assertFalse(self._undelivered(case))

    def test_permanent_failure_reported_on_the_case(self):
        refusing = SmtpCapture(refuse="550 5.1.1 No such user").start()
        self.addCleanup(refusing.stop)
        case, mail = self._cedar(refusing.port)
        self._process_queue(mail)
        self.assertEqual(mail.state, "exception")
        activity = self._undelivered(case).filtered(
            lambda a: "carla@cedar.example" in a.note
        )
        self.assertEqual(len(activity), 1, "one report for the acknowledgement")
        self.assertEqual(activity.user_id, self.responsible)
        self.assertIn("550", activity.note)

    def test_retries_end_with_a_report(self):
        self.env["ir.config_parameter"].set_param("sat_mail_gateway.retry_delays", "5")
        down = SmtpCapture()
        case, mail = self._cedar(down.port)
        self._process_queue(mail)
        self.assertEqual(mail.state, "outgoing")
        mail.scheduled_date = fields.Datetime.subtract(fields.Datetime.now(), minutes=1)
        self._process_queue(mail)
        self.assertEqual(mail.state, "exception")
        self.assertIn("attempts: 2", " ".join(self._undelivered(case).mapped("note")))
