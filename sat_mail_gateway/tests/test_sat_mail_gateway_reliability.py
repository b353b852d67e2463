import base64
from email.message import EmailMessage

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

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
        self.env.flush_all()
        self.registry.enter_test_mode(self.cr)
        try:
            with self.registry.cursor() as cr:
                self.env(cr=cr)["fetchmail.server"]._cron_sat_fetch()
        finally:
            self.registry.leave_test_mode()
        self.env.invalidate_all()

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
        self._deliver("sat.acme", "Pablo Portal <pablo@acme.example>", "Screen black")
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
        # The same mail again: the duplicate check holds for an Odoo user's mail too.
        self.assertTrue(
            self.env["sat.mail.gateway.message"].search(
                [("case_id", "=", False), ("message_id", "!=", False)], limit=1
            )
        )

    def test_mail_from_an_employee_is_the_customers_case(self):
        self._deliver(
            "sat.acme",
            "Rita Responsible <rita@ourcompany.example>",
            "Called by ACME: grinder stuck",
        )
        contacts = self.acme.child_ids
        self._fetch(self.acme)
        case = self._cases(self.acme)
        self.assertEqual(case.name, "Called by ACME: grinder stuck")
        self.assertEqual(case.reporter_id, self.acme, "the account reports it")
        self.assertEqual(self.acme.child_ids, contacts, "no contact made of our staff")

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
        self._fetch(self.acme)
        self.assertEqual(self._cases(self.acme).name, "Looks like a reply")
        self.assertFalse(
            other.message_ids.filtered(lambda m: m.message_type == "email")
        )

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
