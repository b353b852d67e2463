from odoo.tests import HttpCase, new_test_user, tagged

from ..tools.mail_servers import Dovecot
from .common import make_mail


@tagged("post_install", "-at_install")
class TestSatGatewayTours(HttpCase):
    """The mailbox and the portal in headless Chromium, as people use them."""

    def test_fetch_now_says_what_it_brought(self):
        dovecot = Dovecot({"sat.tour": "tour-secret"}).start()
        self.addCleanup(dovecot.stop)
        customer = self.env["res.partner"].create(
            {
                "name": "Tour Mailbox Coffee",
                "is_company": True,
                "sat_mailbox_email": "sat.tour@support.example",
                "sat_imap_host": "127.0.0.1",
                "sat_imap_port": dovecot.port,
                "sat_imap_security": "none",
                "sat_imap_user": "sat.tour",
                "sat_imap_password": "tour-secret",
            }
        )
        dovecot.deliver(
            "sat.tour",
            make_mail(
                "ana@tour.example", "sat.tour@support.example", "Tour: no steam", "x"
            ),
        )
        self.start_tour(
            f"/odoo/res.partner/{customer.id}", "sat_fetch_now_tour", login="admin"
        )
        case = self.env["sat.case"].search([("partner_id", "=", customer.id)])
        self.assertEqual(case.name, "Tour: no steam")

    def test_answer_moves_the_case_and_the_page_shows_it(self):
        waiting = self.env.ref("sat_support.sat_case_stage_waiting")
        in_progress = self.env.ref("sat_support.sat_case_stage_in_progress")
        waiting.reply_stage_id = in_progress
        account = self.env["res.partner"].create(
            {"name": "Tour Portal Coffee", "is_company": True}
        )
        portal = new_test_user(
            self.env,
            "sat_tour_portal",
            groups="base.group_portal",
            email="pat@tour-portal.example",
        )
        portal.partner_id.parent_id = account
        case = self.env["sat.case"].create(
            {"name": "Tour: waiting for a photo", "partner_id": account.id}
        )
        case.stage_id = waiting
        self.start_tour(
            f"/my/cases/{case.id}", "sat_portal_answer_tour", login=portal.login
        )
        self.assertEqual(case.stage_id, in_progress)
