from odoo import api, fields, models
from odoo.tools import SQL


class SatCategoryParetoReport(models.Model):
    """Case categories from the most to the least frequent, with their cumulative
    share: the few categories that make most of the cases."""

    _name = "sat.category.pareto.report"
    _description = "Case Categories (Pareto)"
    _auto = False
    _rec_name = "category_id"
    _order = "company_id, rank"

    company_id = fields.Many2one("res.company", readonly=True)
    category_id = fields.Many2one(
        "sat.case.category", string="Case Category", readonly=True
    )
    category_name = fields.Char(string="Category", readonly=True)
    rank = fields.Integer(readonly=True, aggregator="min")
    case_count = fields.Integer(string="# Cases", readonly=True)
    share = fields.Float(string="Share (%)", readonly=True, digits=(16, 1))
    cumulative_share = fields.Float(
        string="Cumulative Share (%)",
        aggregator="max",
        readonly=True,
        digits=(16, 1),
    )

    @property
    def _table_query(self):
        return self._pareto_sql()

    @api.model
    def _pareto_sql(self, case_ids=None):
        """The Pareto of the failures (active cases, cancelled ones left out) per
        company: of all of them for the list and the graph, of ``case_ids`` (a
        subquery) for the statistics workbook. One query, so the two agree."""
        return SQL(
            """
            WITH counts AS (
                SELECT company_id, category_id, count(*) AS case_count
                  FROM sat_case
                 WHERE active AND is_cancel IS NOT TRUE AND %(cases)s
                 GROUP BY company_id, category_id
            ), ranked AS (
                SELECT counts.*,
                       row_number() OVER (
                           PARTITION BY company_id
                           ORDER BY case_count DESC, category_id NULLS LAST
                       ) AS rank,
                       sum(case_count) OVER (PARTITION BY company_id) AS total,
                       sum(case_count) OVER (
                           PARTITION BY company_id
                           ORDER BY case_count DESC, category_id NULLS LAST
                           ROWS UNBOUNDED PRECEDING
                       ) AS running
                  FROM counts
            )
            SELECT COALESCE(ranked.category_id, 0)::bigint * 100000
                       + ranked.company_id AS id,
                   ranked.company_id,
                   ranked.category_id,
                   COALESCE(
                       category.name->>%(lang)s, category.name->>'en_US', %(none)s
                   ) AS category_name,
                   ranked.rank,
                   ranked.case_count,
                   100.0 * ranked.case_count / ranked.total AS share,
                   100.0 * ranked.running / ranked.total AS cumulative_share
              FROM ranked
              LEFT JOIN sat_case_category category ON category.id = ranked.category_id
            """,
            cases=SQL("TRUE") if case_ids is None else SQL("id IN %s", case_ids),
            lang=self.env.lang or "en_US",
            none=self.env._("No category"),
        )

    @api.model
    def _get_rows(self, domain):
        """``(category, cases, share, cumulative share)`` of the cases of the case
        analysis matching ``domain`` (the user's rules applied), most frequent
        first; shares as fractions."""
        cases = self.env["sat.case.report"]._search(domain)
        self.env.cr.execute(
            SQL(
                """SELECT category_name, case_count::int, (share / 100)::float8,
                          (cumulative_share / 100)::float8
                     FROM (%s) pareto
                    ORDER BY company_id, rank""",
                self._pareto_sql(
                    cases.subselect(SQL.identifier(cases.table, "case_id"))
                ),
            )
        )
        return self.env.cr.fetchall()
