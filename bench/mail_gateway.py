"""N customer mails (500 by default) from a real IMAP mailbox (Dovecot) to cases:
mails per second and SQL queries per mail, acknowledgement and assignment included.

Usage: bash bench/run.sh mail_gateway [N]"""

import sys
import time

from common import bench_env


def deliver(dovecot, make_mail, count):
    for i in range(count):
        dovecot.deliver(
            "sat.bench",
            make_mail(
                f"Customer {i % 25} <customer{i % 25}@bench.example>",
                "sat.bench@support.example",
                f"Bench request {i}",
                f"Bench body {i}",
            ),
        )


def main(conf, db, count=500):
    with bench_env(conf, db) as env:
        # Importable once the environment has set Odoo's addons path.
        from odoo.addons.sat_mail_gateway.tests.servers import Dovecot
        from odoo.addons.sat_mail_gateway.tests.test_sat_mail_gateway import make_mail

        dovecot = Dovecot({"sat.bench": "bench-secret"}).start()
        try:
            account = env["res.partner"].create(
                {
                    "name": "Bench Mailbox Customer",
                    "is_company": True,
                    "sat_responsible_id": env.ref("base.user_admin").id,
                    "sat_mailbox_email": "sat.bench@support.example",
                    "sat_imap_host": "127.0.0.1",
                    "sat_imap_port": dovecot.port,
                    "sat_imap_security": "none",
                    "sat_imap_user": "sat.bench",
                    "sat_imap_password": "bench-secret",
                }
            )
            env["ir.config_parameter"].set_param("sat_mail_gateway.batch_size", count)
            deliver(dovecot, make_mail, count)
            # The fetch commits per mail, as the cron does: the bench keeps them.
            env.cr.commit()
            queries = env.cr.sql_log_count
            start = time.perf_counter()
            account.sat_fetchmail_server_id.fetch_mail()
            seconds = time.perf_counter() - start
            queries = env.cr.sql_log_count - queries
            cases = env["sat.case"].search_count([("partner_id", "=", account.id)])
            print(
                f"{cases} cases from {count} mails in {seconds:.1f} s: "
                f"{cases / seconds:.1f} mails/s, {queries / count:.1f} queries per mail"
            )
        finally:
            dovecot.stop()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:]))
