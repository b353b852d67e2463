"""The SLA cron over N open cases (100,000 by default): seconds and SQL queries.

Usage: bash bench/run.sh sla_cron [N]"""

import sys
import time
from datetime import timedelta

from common import bench_env, measure

from odoo import fields


def main(conf, db, count=100000):
    with bench_env(conf, db) as env:
        env["sat.sla"].search([]).active = False
        env["sat.sla"].create(
            {
                "name": "Bench SLA",
                "stage_id": env.ref("sat_support.sat_case_stage_closed").id,
                "work_hours": 40,
            }
        )
        partner = env["res.partner"].create(
            {"name": "Bench SLA customer", "is_company": True}
        )
        Case = env["sat.case"].with_context(
            tracking_disable=True, mail_create_nolog=True
        )
        start = time.perf_counter()
        for offset in range(0, count, 2000):
            Case.create(
                [
                    {
                        "name": f"SLA bench {i}",
                        "partner_id": partner.id,
                        "user_id": env.ref("base.user_admin").id,
                    }
                    for i in range(offset, min(count, offset + 2000))
                ]
            )
            env.flush_all()
            env.invalidate_all()
        seconds = time.perf_counter() - start
        print(f"set-up: {count} open cases with their SLA in {seconds:.0f} s")
        Status = env["sat.case.sla"]
        with measure(env, f"cron, {count} open cases, none due"):
            Status._cron_check_sla()
        due = Status.search([("sla_id.name", "=", "Bench SLA")], limit=1000)
        due.write({"warning_date": fields.Datetime.now() - timedelta(minutes=1)})
        env.flush_all()
        env.invalidate_all()
        with measure(env, f"cron, {count} open cases, 1000 turning at risk", 1000):
            Status._cron_check_sla()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:]))
