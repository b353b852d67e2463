from odoo import models

from odoo.addons.sat_support.batch_reads import batch_read


class Base(models.AbstractModel):
    _inherit = "base"

    def _mail_get_alias_domains(self, default_company=False):
        """Odoo's rule (the record's company's alias domain, else the given or current
        company's, else the first one), with the fallback read once per group of
        mails: Odoo looks it up for every message of a company without an alias
        domain, four times for each mail a customer mailbox turns into a case."""
        company = default_company or self.env.company
        record_companies = self._mail_get_companies(default=company)
        if company.alias_domain_id and all(
            comp.alias_domain_id for comp in record_companies.values()
        ):
            return super()._mail_get_alias_domains(default_company=default_company)
        Domain = self.env["mail.alias.domain"]
        fallback = company.alias_domain_id or Domain.browse(
            batch_read(
                self.env,
                "mail.alias.domain",
                lambda: Domain.search([], limit=1).ids,
            )
        )
        return {
            record.id: record_companies[record.id].alias_domain_id or fallback
            for record in self
        }
