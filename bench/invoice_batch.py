"""Invoice N closed billable cases in one batch: seconds and SQL queries.

Usage: bash bench/run.sh invoice_batch [N]"""

import sys

from common import bench_env, measure

from odoo import Command


def main(conf, db, count=1000):
    with bench_env(conf, db) as env:
        env.company.sat_invoice_on_close = False
        customers = env["res.partner"].create(
            [{"name": f"Bench customer {i}", "is_company": True} for i in range(50)]
        )
        service = env["product.product"].create(
            {"name": "Bench hour", "type": "service", "list_price": 40.0}
        )
        part = env["product.product"].create(
            {"name": "Bench part", "type": "consu", "list_price": 12.5}
        )
        cases = env["sat.case"].create(
            [
                {
                    "name": f"Bench case {i}",
                    "partner_id": customers[i % 50].id,
                    "solution": "<p>Done</p>",
                    "line_ids": [
                        Command.create({"product_id": service.id, "quantity": 1.5}),
                        Command.create({"product_id": part.id, "quantity": 2}),
                    ],
                }
                for i in range(count)
            ]
        )
        cases.action_close()
        with measure(env, f"invoice {count} cases, one invoice each", count):
            invoices = cases._create_invoices()
        assert len(invoices) == count, len(invoices)
        print(f"total invoiced: {sum(invoices.mapped('amount_total')):.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:]))
