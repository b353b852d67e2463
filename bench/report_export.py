"""The statistics of N support cases (100,000 by default): the first load of the Case
Analysis pivot (queries, seconds) and the export to Excel (seconds, peak memory).

The cases are written once with SQL (the ORM would take an hour to make them) and
kept in the bench database for the next runs.

Usage: bash bench/run.sh report_export [N]"""

import resource
import sys

from common import bench_env, measure

PREFIX = "BENCH-EXPORT/"


def rss_mb():
    """Peak resident memory of this process so far, in MB (Linux gives KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_cases(env, count):
    env.cr.execute(
        "SELECT count(*) FROM sat_case WHERE reference LIKE %s", [PREFIX + "%"]
    )
    existing = env.cr.fetchone()[0]
    if existing >= count:
        return
    company = env.company
    stages = env["sat.case.stage"].search([])
    closed = stages.filtered("is_closed")[:1]
    open_stages = stages.filtered(lambda s: not s.is_closed and not s.is_cancel)
    # Insert the missing cases: customers, products, serials, categories, teams and
    # responsibles of the demo data in turn; a third of the cases closed.
    env.cr.execute(
        """
        WITH partners AS (SELECT array_agg(id) AS ids FROM res_partner
                           WHERE is_company AND active),
             products AS (SELECT array_agg(id) AS ids FROM product_product
                           WHERE active),
             lots AS (SELECT array_agg(id) AS ids FROM stock_lot),
             categories AS (SELECT array_agg(id) AS ids FROM sat_case_category),
             teams AS (SELECT array_agg(id) AS ids FROM sat_team),
             users AS (SELECT array_agg(id) AS ids FROM res_users
                        WHERE active AND NOT share)
        INSERT INTO sat_case (
            reference, name, company_id, currency_id, partner_id, product_id, lot_id,
            category_id, team_id, user_id, stage_id, is_closed, is_cancel, case_type,
            priority, date_received, date_closed, work_hours_to_close, active,
            create_uid, write_uid, create_date, write_date)
        SELECT %(prefix)s || g, 'Bench export case ' || g, %(company)s, %(currency)s,
               partners.ids[1 + g %% cardinality(partners.ids)],
               products.ids[1 + g %% cardinality(products.ids)],
               CASE WHEN g %% 7 = 0 THEN lots.ids[1 + g %% cardinality(lots.ids)] END,
               categories.ids[1 + g %% cardinality(categories.ids)],
               teams.ids[1 + g %% cardinality(teams.ids)],
               users.ids[1 + g %% cardinality(users.ids)],
               CASE WHEN g %% 3 = 0 THEN %(closed)s
                    ELSE (%(open)s::int[])[1 + g %% cardinality(%(open)s::int[])] END,
               g %% 3 = 0, FALSE,
               (ARRAY['warranty', 'courtesy', 'billable'])[1 + g %% 3],
               (1 + g %% 3)::text,
               now() AT TIME ZONE 'UTC' - (g %% 700) * interval '1 day'
                   - (g %% 24) * interval '1 hour',
               CASE WHEN g %% 3 = 0
                    THEN now() AT TIME ZONE 'UTC' - (g %% 700) * interval '1 day'
                         + (g %% 50) * interval '1 hour' END,
               CASE WHEN g %% 3 = 0 THEN (g %% 50) * 0.4 END,
               TRUE, 1, 1, now(), now()
          FROM generate_series(%(start)s, %(stop)s) AS g,
               partners, products, lots, categories, teams, users
        """,
        {
            "prefix": PREFIX,
            "company": company.id,
            "currency": company.currency_id.id,
            "closed": closed.id,
            "open": open_stages.ids,
            "start": existing + 1,
            "stop": count,
        },
    )
    # A supply on every fourth case, for the supplies cost.
    env.cr.execute(
        """
        INSERT INTO sat_case_line (case_id, product_id, quantity, company_id, name,
                                   create_uid, write_uid, create_date, write_date)
        SELECT c.id, c.product_id, 1 + c.id %% 3, c.company_id, 'Bench supply',
               1, 1, now(), now()
          FROM sat_case c
         WHERE c.reference LIKE %s AND c.id %% 4 = 0 AND c.product_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM sat_case_line l WHERE l.case_id = c.id)
        """,
        [PREFIX + "%"],
    )
    env.cr.commit()
    env.invalidate_all()


def main(conf, db, count=100000):
    with bench_env(conf, db) as env:
        make_cases(env, count)
        Report = env["sat.case.report"]
        total = Report.search_count([])
        print(f"{total} cases in the statistics")
        env.invalidate_all()
        # The pivot's first load: the totals, the rows, the columns and the cells.
        with measure(env, "Case Analysis pivot, first load (team x month)"):
            for groupby in ([], ["team_id"], ["date_received:month"]):
                Report.read_group(
                    [],
                    ["nbr:sum", "hours_to_close:avg", "sla_breached:sum"],
                    groupby,
                    lazy=False,
                )
            Report.read_group(
                [],
                ["nbr:sum", "hours_to_close:avg", "sla_breached:sum"],
                ["team_id", "date_received:month"],
                lazy=False,
            )
        wizard = env["sat.report.export.wizard"].create(
            {"date_from": "2000-01-01", "date_to": "2100-01-01"}
        )
        before = rss_mb()
        with measure(env, f"Excel export of {total} cases"):
            # What the read-only download route does.
            size = len(wizard._build_workbook())
        # The peak before anything here reads the file back.
        peak = rss_mb()
        print(
            f"workbook {size / 1e6:.1f} MB; peak memory of the process "
            f"{peak:.0f} MB ({before:.0f} MB before the export)"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], *(int(arg) for arg in sys.argv[3:]))
