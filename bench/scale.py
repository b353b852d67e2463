"""The deployment of scripts/scale.sh: its mail servers, its data, and the report of a
load test.

    scale.py serve DIR IMAP_PORT SMTP_PORT
        Dovecot with 50 customer mailboxes and an SMTP sink counting what Odoo sends
        (DIR/smtp-count), until stopped.
    scale.py fill CONF DB OCA_DB CASES IMAP_PORT SMTP_PORT
        Users, 50 customers with their mailboxes, products, serials, teams and SLA
        policies with the ORM; CASES cases over two years with SQL (the ORM would take
        hours), with their SLA rows, first message, supplies, followers (customer and
        responsible) and a to-do on a fifth of the recent ones; invoices and payments
        of a sample with the ORM. The same number of OCA helpdesk tickets in OCA_DB,
        with the same followers and to-dos.
    scale.py before CONF DB DIR
        What the report compares with: cases from mail, SLA warnings, CPU times.
    scale.py report CONF DB DIR RESULTS WORKERS SECONDS
        Locust's figures and the deployment's (nothing lost or doubled, warnings once,
        CPU split, queries of the kanban and list), printed and added to RESULTS.
"""

import contextlib
import csv
import datetime
import importlib.util
import json
import os
import platform
import signal
import sys
import threading
import time
from pathlib import Path

from views import WEB_CONTEXT, view_spec

ROOT = Path(__file__).resolve().parent.parent
MAILBOXES = 50
PASSWORD = "scale-secret"
AGENTS = 20
PORTAL_USERS = 50


def mailbox_login(number):
    return f"customer{number:02d}"


# --------------------------------------------------------------------------- servers
def _servers_module():
    path = ROOT / "sat_mail_gateway" / "tools" / "mail_servers.py"
    spec = importlib.util.spec_from_file_location("sat_scale_servers", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class CountingSink:
    def __init__(self, path):
        self.path = Path(path)
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            self.path.write_text(str(self.count))
        return "250 OK"


def serve(folder, imap_port, smtp_port):
    from aiosmtpd.controller import Controller

    servers = _servers_module()
    dovecot = servers.Dovecot(
        {mailbox_login(i): PASSWORD for i in range(1, MAILBOXES + 1)}
    )
    dovecot.port = int(imap_port)
    dovecot.start()
    smtp = Controller(
        CountingSink(Path(folder) / "smtp-count"),
        hostname="127.0.0.1",
        port=int(smtp_port),
    )
    smtp.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_args: stop.set())
    signal.signal(signal.SIGINT, lambda *_args: stop.set())
    print("ready", flush=True)
    try:
        while not stop.is_set():
            time.sleep(0.5)
    finally:
        smtp.stop()
        dovecot.stop()


# --------------------------------------------------------------------------- Odoo
@contextlib.contextmanager
def odoo_env(conf, db):
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.tools import config

    if not getattr(odoo_env, "configured", False):
        config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
        odoo_env.configured = True
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        cr.commit()


def _user(env, login, name, groups, partner=None):
    Users = env["res.users"].with_context(no_reset_password=True)
    user = Users.search([("login", "=", login)])
    if user:
        return user
    values = {
        "login": login,
        "password": login,
        "name": name,
        "groups_id": [(6, 0, [env.ref(group).id for group in groups])],
    }
    if partner:
        values["partner_id"] = partner.id
    return Users.create(values)


def _fill_sat_master(env, imap_port, smtp_port):
    """Everything but the cases, with the ORM; returns nothing, idempotent."""
    company = env.company
    company.sat_invoice_on_close = False
    params = env["ir.config_parameter"]
    params.set_param("sat_mail_gateway.fetch_minutes", 1)
    for xmlid in (
        "sat_support.ir_cron_sat_sla_check",
        "sat_mail_gateway.ir_cron_sat_fetch_1",
        "sat_mail_gateway.ir_cron_sat_fetch_2",
    ):
        cron = env.ref(xmlid)
        if (cron.interval_number, cron.interval_type) != (1, "minutes"):
            cron.write({"interval_number": 1, "interval_type": "minutes"})
    agents = [
        _user(
            env,
            f"agent{i:02d}",
            f"Agent {i:02d}",
            ["sat_support.group_sat_user", "stock.group_stock_user"],
        )
        for i in range(1, AGENTS + 1)
    ]
    # Staff who write to customers have an address to write from.
    for user in env["res.users"].search(
        [("login", "=like", "agent%"), ("email", "=", False)]
    ) | env["res.users"].search(
        [("login", "=like", "manager%"), ("email", "=", False)]
    ):
        user.email = f"{user.login}@sat-scale.example"
    for i in (1, 2):
        _user(
            env,
            f"manager{i:02d}",
            f"Manager {i:02d}",
            ["sat_support.group_sat_manager"],
        )
    Team = env["sat.team"]
    for index in range(4):
        name = f"Scale Team {index + 1}"
        if not Team.search([("name", "=", name)]):
            Team.create(
                {
                    "name": name,
                    "assign_method": "round_robin",
                    "member_ids": [(6, 0, [u.id for u in agents[index::4]])],
                    "user_id": agents[index].id,
                }
            )
    categories = env["sat.case.category"].search([])
    teams = Team.search([("name", "like", "Scale Team")])
    for category, team in zip(categories, list(teams) * 10, strict=False):
        category.team_id = team
    Sla = env["sat.sla"]
    if not Sla.search([("name", "like", "Scale")]):
        Sla.create(
            {
                "name": "Scale: first response",
                "target": "first_response",
                "work_hours": 4,
            }
        )
        Sla.create(
            {
                "name": "Scale: solved",
                "target": "stage",
                "stage_id": env.ref("sat_support.sat_case_stage_closed").id,
                "work_hours": 40,
            }
        )
    Partner = env["res.partner"]
    portal = "base.group_portal"
    for i in range(1, MAILBOXES + 1):
        login = mailbox_login(i)
        if Partner.search([("sat_mailbox_email", "=", f"{login}@support.example")]):
            continue
        customer = Partner.create(
            {
                "name": f"Scale Customer {i:02d}",
                "is_company": True,
                "email": f"info@{login}.example",
                "sat_responsible_id": agents[i % AGENTS].id if i % 3 == 0 else False,
            }
        )
        contact = Partner.create(
            {
                "name": f"Contact {i:02d}",
                "email": f"contact@{login}.example",
                "parent_id": customer.id,
            }
        )
        if i <= PORTAL_USERS:
            _user(env, f"portal{i:02d}", f"Contact {i:02d}", [portal], partner=contact)
        customer.write(
            {
                "sat_mailbox_email": f"{login}@support.example",
                "sat_imap_host": "127.0.0.1",
                "sat_imap_port": int(imap_port),
                "sat_imap_security": "none",
                "sat_imap_user": login,
                "sat_imap_password": PASSWORD,
                "sat_smtp_host": "127.0.0.1",
                "sat_smtp_port": int(smtp_port),
                "sat_smtp_encryption": "none",
            }
        )
    Product = env["product.product"]
    if not Product.search([("default_code", "=like", "SCALE-M-%")]):
        Product.create(
            [
                {
                    "name": f"Scale Machine {i:02d}",
                    "default_code": f"SCALE-M-{i:02d}",
                    "is_storable": True,
                    "tracking": "serial",
                    "sat_warranty_months": 24,
                    "list_price": 900 + i * 10,
                }
                for i in range(1, 21)
            ]
        )
        parts = Product.create(
            [
                {
                    "name": f"Scale Part {i:02d}",
                    "default_code": f"SCALE-P-{i:02d}",
                    "is_storable": True,
                    "list_price": 20 + i,
                    "standard_price": 8 + i,
                }
                for i in range(1, 31)
            ]
        )
        stock = env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        for part in parts:
            env["stock.quant"]._update_available_quantity(
                part, stock.lot_stock_id, 100000
            )
    env.cr.commit()


def _fill_sat_cases(env, count):
    cr = env.cr
    cr.execute("SELECT count(*) FROM sat_case WHERE reference LIKE 'SCALE/%'")
    existing = cr.fetchone()[0]
    if existing >= count:
        return existing
    cr.execute(
        """
        INSERT INTO stock_lot (name, product_id, company_id, sat_warranty_start,
                               sat_warranty_end, create_uid, write_uid, create_date,
                               write_date)
        SELECT 'SC-' || lpad(g::text, 6, '0'), p.ids[1 + g %% cardinality(p.ids)],
               %(company)s,
               (now() - (g %% 900) * interval '1 day')::date,
               (now() - (g %% 900) * interval '1 day' + interval '24 months')::date,
               1, 1, now(), now()
          FROM generate_series(1, 5000) g,
               (SELECT array_agg(id) ids FROM product_product
                 WHERE default_code LIKE 'SCALE-M-%%') p
         WHERE NOT EXISTS (SELECT 1 FROM stock_lot WHERE name = 'SC-000001')
        """,
        {"company": env.company.id},
    )
    stages = env["sat.case.stage"].search([])
    open_ids = stages.filtered(lambda s: not s.is_closed).ids
    solved = stages.filtered(lambda s: s.is_closed and not s.is_cancel)[:1].id
    cancelled = stages.filtered("is_cancel")[:1].id
    # Two years of cases, the newest last; those of the last 45 days mostly open.
    cr.execute(
        """
        WITH customers AS (SELECT array_agg(id ORDER BY id) ids FROM res_partner
                            WHERE is_company AND active AND id IN (
                                SELECT commercial_partner_id FROM res_partner)),
             lots AS (SELECT array_agg(id ORDER BY id) ids,
                             array_agg(product_id ORDER BY id) products
                        FROM stock_lot WHERE name LIKE 'SC-%%'),
             categories AS (SELECT array_agg(id ORDER BY id) ids,
                                   array_agg(team_id ORDER BY id) teams
                              FROM sat_case_category),
             agents AS (SELECT array_agg(id ORDER BY id) ids FROM res_users
                         WHERE login LIKE 'agent%%'),
             cases AS (
                SELECT g, now() AT TIME ZONE 'UTC'
                          - ((%(stop)s - g) * 730.0 / %(stop)s) * interval '1 day'
                          - (g %% 9) * interval '1 hour' AS received,
                       (%(stop)s - g) * 730.0 / %(stop)s AS age
                  FROM generate_series(%(start)s, %(stop)s) g)
        INSERT INTO sat_case (
            reference, name, symptom, company_id, currency_id, partner_id, reporter_id,
            product_id, lot_id, category_id, category_origin, team_id, user_id,
            stage_id,
            is_closed, is_cancel, case_type, priority, date_received, date_closed,
            date_first_response, work_hours_to_close, sla_status, sla_deadline,
            invoice_status, active, create_uid, write_uid, create_date, write_date)
        SELECT 'SCALE/' || lpad(c.g::text, 6, '0'),
               (ARRAY['Machine leaks water', 'Does not heat', 'Error E12',
                      'Grinder blocked', 'Noisy pump', 'Weak steam'])[1 + c.g %% 6],
               '<p>Reported by mail: the unit stopped working this morning.</p>',
               %(company)s, %(currency)s,
               customers.ids[1 + c.g %% cardinality(customers.ids)],
               customers.ids[1 + c.g %% cardinality(customers.ids)],
               CASE WHEN c.g %% 5 > 0
                    THEN lots.products[1 + c.g %% cardinality(lots.ids)] END,
               CASE WHEN c.g %% 5 > 0
                    THEN lots.ids[1 + c.g %% cardinality(lots.ids)] END,
               categories.ids[1 + c.g %% cardinality(categories.ids)], 'learned',
               categories.teams[1 + c.g %% cardinality(categories.ids)],
               agents.ids[1 + c.g %% cardinality(agents.ids)],
               CASE WHEN c.age < 45 AND c.g %% 4 > 0
                        THEN (%(open)s::int[])[1 + c.g %% cardinality(%(open)s::int[])]
                    WHEN c.g %% 50 = 0 THEN %(cancelled)s ELSE %(solved)s END,
               NOT (c.age < 45 AND c.g %% 4 > 0),
               NOT (c.age < 45 AND c.g %% 4 > 0) AND c.g %% 50 = 0,
               (ARRAY['warranty', 'billable', 'billable', 'courtesy'])[1 + c.g %% 4],
               (c.g %% 3)::text, c.received,
               CASE WHEN NOT (c.age < 45 AND c.g %% 4 > 0)
                    THEN c.received + (4 + c.g %% 60) * interval '1 hour' END,
               c.received + (1 + c.g %% 6) * interval '1 hour',
               CASE WHEN NOT (c.age < 45 AND c.g %% 4 > 0) THEN 2 + c.g %% 40 END,
               CASE WHEN c.age < 45 AND c.g %% 4 > 0
                        THEN (ARRAY['on_track', 'at_risk', 'breached'])[1 + c.g %% 3]
                    ELSE (ARRAY['met', 'met', 'met', 'breached'])[1 + c.g %% 4] END,
               c.received + interval '40 hours',
               'no', TRUE, 1, 1, c.received, c.received
          FROM cases c, customers, lots, categories, agents
        """,
        {
            "start": existing + 1,
            "stop": count,
            "company": env.company.id,
            "currency": env.company.currency_id.id,
            "open": open_ids,
            "solved": solved,
            "cancelled": cancelled,
        },
    )
    # The SLA rows of the new cases: first response met; solved met, breached, running.
    cr.execute(
        """
        INSERT INTO sat_case_sla (case_id, sla_id, company_id, status, deadline,
                                  warning_date, reached_date, create_uid, write_uid,
                                  create_date, write_date)
        SELECT c.id, s.id, c.company_id,
               CASE WHEN s.target = 'first_response' THEN 'met' ELSE c.sla_status END,
               c.date_received + s.work_hours * interval '1 hour',
               c.date_received + s.work_hours * 0.75 * interval '1 hour',
               CASE WHEN s.target = 'first_response' THEN c.date_first_response
                    ELSE c.date_closed END,
               1, 1, c.date_received, c.date_received
          FROM sat_case c, sat_sla s
         WHERE c.reference LIKE 'SCALE/%' AND s.name->>'en_US' LIKE 'Scale:%'
           AND NOT EXISTS (SELECT 1 FROM sat_case_sla x WHERE x.case_id = c.id)
        """
    )
    # The customer's mail that opened each case.
    cr.execute(
        """
        INSERT INTO mail_message (model, res_id, message_type, body, subject, author_id,
                                  email_from, date, record_name, create_uid, write_uid,
                                  create_date, write_date)
        SELECT 'sat.case', c.id, 'email', c.symptom, c.name, c.reporter_id,
               'contact@customer.example', c.date_received, c.reference, 1, 1,
               c.date_received, c.date_received
          FROM sat_case c
         WHERE c.reference LIKE 'SCALE/%'
           AND NOT EXISTS (SELECT 1 FROM mail_message m
                            WHERE m.model = 'sat.case' AND m.res_id = c.id)
        """
    )
    # Supplies on a third of the cases.
    cr.execute(
        """
        INSERT INTO sat_case_line (case_id, product_id, quantity, price_unit,
                                   price_subtotal, price_total, company_id, name,
                                   create_uid, write_uid, create_date, write_date)
        SELECT c.id, p.ids[1 + c.id % cardinality(p.ids)], 1 + c.id % 3, 25,
               25 * (1 + c.id % 3), 25 * (1 + c.id % 3), c.company_id, 'Spare part',
               1, 1, now(), now()
          FROM sat_case c,
               (SELECT array_agg(id) ids FROM product_product
                 WHERE default_code LIKE 'SCALE-P-%') p
         WHERE c.reference LIKE 'SCALE/%' AND c.id % 3 = 0
           AND NOT EXISTS (SELECT 1 FROM sat_case_line l WHERE l.case_id = c.id)
        """
    )
    cr.execute(
        """
        UPDATE sat_case c SET amount_untaxed = l.total, amount_total = l.total,
               invoice_status = CASE WHEN c.case_type = 'billable' AND c.is_closed
                                          AND NOT c.is_cancel
                                     THEN 'to_invoice' ELSE 'no' END
          FROM (SELECT case_id, sum(price_subtotal) total FROM sat_case_line
                 GROUP BY case_id) l
         WHERE l.case_id = c.id AND c.reference LIKE 'SCALE/%'
        """
    )
    env.cr.commit()
    env.invalidate_all()
    return count


def _fix_supply_units(env):
    """The unit of each supply, as the form sets it (lines written with SQL)."""
    env.cr.execute(
        """
        UPDATE sat_case_line l SET product_uom_id = t.uom_id
          FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id
         WHERE p.id = l.product_id AND l.product_uom_id IS NULL
        """
    )


def _fill_sat_invoices(env, count=600):
    """Invoices of closed billable cases, a third paid, a third in part: the ORM's."""
    Case = env["sat.case"]
    done = Case.search_count(
        [("reference", "like", "SCALE/"), ("invoice_status", "=", "invoiced")]
    )
    if done:
        return
    cases = Case.search(
        [("reference", "like", "SCALE/"), ("invoice_status", "=", "to_invoice")],
        order="date_received desc",
        limit=count,
    )
    moves = cases._create_invoices()
    moves.action_post()
    for index, move in enumerate(moves):
        if index % 3 == 2:
            continue
        wizard = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": move.amount_total / (1 if index % 3 == 0 else 2)})
        )
        wizard._create_payments()
    env.cr.commit()


def _fill_oca(env, count):
    cr = env.cr
    agents = [
        _user(
            env,
            f"agent{i:02d}",
            f"Agent {i:02d}",
            ["helpdesk_mgmt.group_helpdesk_user"],
        )
        for i in range(1, AGENTS + 1)
    ]
    cr.execute("SELECT count(*) FROM helpdesk_ticket WHERE number LIKE 'SCALE-%'")
    existing = cr.fetchone()[0]
    if existing >= count:
        return
    cr.execute(
        """
        WITH customers AS (SELECT array_agg(id) ids FROM res_partner
                            WHERE is_company AND active),
             stages AS (SELECT array_agg(id ORDER BY sequence) ids
                          FROM helpdesk_ticket_stage),
             teams AS (SELECT array_agg(id) ids FROM helpdesk_ticket_team),
             agents AS (SELECT %(agents)s::int[] ids)
        INSERT INTO helpdesk_ticket (number, name, description, company_id, partner_id,
            commercial_partner_id, stage_id, team_id, user_id, priority, active,
            last_stage_update, create_uid, write_uid, create_date, write_date)
        SELECT 'SCALE-' || g, 'Machine leaks water ' || g,
               '<p>Reported by mail: the unit stopped working this morning.</p>',
               %(company)s, customers.ids[1 + g %% cardinality(customers.ids)],
               customers.ids[1 + g %% cardinality(customers.ids)],
               stages.ids[1 + g %% cardinality(stages.ids)],
               teams.ids[1 + g %% cardinality(teams.ids)],
               agents.ids[1 + g %% cardinality(agents.ids)], (g %% 4)::text, TRUE,
               now() - ((%(stop)s - g) * 730.0 / %(stop)s) * interval '1 day',
               1, 1, now() - ((%(stop)s - g) * 730.0 / %(stop)s) * interval '1 day',
               now()
          FROM generate_series(%(start)s, %(stop)s) g, customers, stages, teams, agents
        """,
        {
            "start": existing + 1,
            "stop": count,
            "company": env.company.id,
            "agents": [a.id for a in agents],
        },
    )
    env.cr.commit()


def _fill_followers_and_activities(env, model, table, number, received, partner):
    """What Odoo adds to each case or ticket and the list reads: the customer and the
    responsible as followers (of discussions), and a to-do for the responsible on a
    fifth of those received in the last 45 days. The same on both sides."""
    cr = env.cr
    cr.execute(
        f"""
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT %(model)s, t.id, f.partner_id
          FROM {table} t
          JOIN res_users u ON u.id = t.user_id
         CROSS JOIN LATERAL (VALUES (t.{partner}), (u.partner_id)) f(partner_id)
         WHERE t.{number} LIKE 'SCALE%%' AND f.partner_id IS NOT NULL
        ON CONFLICT DO NOTHING
        """,
        {"model": model},
    )
    cr.execute(
        """
        INSERT INTO mail_followers_mail_message_subtype_rel
               (mail_followers_id, mail_message_subtype_id)
        SELECT f.id, %(comment)s FROM mail_followers f
         WHERE f.res_model = %(model)s
           AND NOT EXISTS (SELECT 1 FROM mail_followers_mail_message_subtype_rel r
                            WHERE r.mail_followers_id = f.id)
        ON CONFLICT DO NOTHING
        """,
        {"model": model, "comment": env.ref("mail.mt_comment").id},
    )
    todo = env.ref("mail.mail_activity_data_todo")
    cr.execute(
        f"""
        INSERT INTO mail_activity (res_model_id, res_model, res_id, res_name,
                                   activity_type_id, summary, date_deadline, user_id,
                                   active, create_uid, write_uid, create_date,
                                   write_date)
        SELECT %(model_id)s, %(model)s, t.id, t.name, %(todo)s,
               'Call the customer back',
               (t.{received} + interval '3 days')::date, t.user_id, TRUE, 1, 1, now(),
               now()
          FROM {table} t
         WHERE t.{number} LIKE 'SCALE%%' AND t.user_id IS NOT NULL AND t.id %% 5 = 0
           AND t.{received} > now() - interval '45 days'
           AND NOT EXISTS (SELECT 1 FROM mail_activity a
                            WHERE a.res_model = %(model)s AND a.res_id = t.id
                              AND a.activity_type_id = %(todo)s)
        """,
        {"model": model, "model_id": env["ir.model"]._get_id(model), "todo": todo.id},
    )
    env.cr.commit()


def fill(conf, db, oca_db, count, imap_port, smtp_port):
    count = int(count)
    start = time.time()
    with odoo_env(conf, db) as env:
        _fill_sat_master(env, imap_port, smtp_port)
        _fill_sat_cases(env, count)
        _fill_followers_and_activities(
            env, "sat.case", "sat_case", "reference", "date_received", "partner_id"
        )
        _fix_supply_units(env)
        _fill_sat_invoices(env)
        env.cr.execute("ANALYZE")
    with odoo_env(conf, oca_db) as env:
        _fill_oca(env, count)
        _fill_followers_and_activities(
            env,
            "helpdesk.ticket",
            "helpdesk_ticket",
            "number",
            "create_date",
            "partner_id",
        )
        env.cr.execute("ANALYZE")
    print(f"databases filled in {time.time() - start:.0f} s", flush=True)


# --------------------------------------------------------------------------- report
def _cpu_seconds(pattern):
    """User + system CPU seconds of the processes whose command line has ``pattern``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            if pattern.encode() not in cmdline:
                continue
            fields_ = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields_[11]) + int(fields_[12])) / ticks
        except OSError:
            continue
    return total


def _state(env):
    cr = env.cr
    cr.execute("SELECT count(*) FROM sat_case WHERE fetchmail_server_id IS NOT NULL")
    from_mail = cr.fetchone()[0]
    cr.execute(
        """SELECT count(*), count(DISTINCT (res_id, summary)) FROM mail_activity
            WHERE res_model = 'sat.case' AND activity_type_id IN (
                SELECT res_id FROM ir_model_data WHERE module = 'sat_support'
                   AND model = 'mail.activity.type')"""
    )
    warnings, distinct = cr.fetchone()
    return {
        "from_mail": from_mail,
        "warnings": warnings,
        "distinct_warnings": distinct,
        "odoo_cpu": _cpu_seconds("odoo"),
        "pg_cpu": _cpu_seconds("postgres"),
        "time": time.time(),
    }


def _due_warnings(env, count=200):
    """``count`` open cases whose resolution SLA turns at risk during the run, a few
    every minute: the SLA cron workers warn each once."""
    env.cr.execute(
        """
        UPDATE sat_case_sla s
           SET status = 'on_track', reached_date = NULL,
               warning_date = now() AT TIME ZONE 'UTC'
                              + (s.id %% 240) * interval '1 second',
               deadline = now() AT TIME ZONE 'UTC' + interval '8 hours'
         WHERE s.id IN (SELECT s2.id FROM sat_case_sla s2
                          JOIN sat_case c ON c.id = s2.case_id
                          JOIN sat_sla p ON p.id = s2.sla_id
                         WHERE NOT c.is_closed AND p.target = 'stage'
                           AND s2.status <> 'on_track'
                         ORDER BY s2.id LIMIT %s)
        """,
        [count],
    )
    env.cr.execute(
        """
        UPDATE sat_case c SET sla_status = 'on_track'
          FROM sat_case_sla s
         WHERE s.case_id = c.id AND s.status = 'on_track' AND c.sla_status <> 'on_track'
           AND NOT c.is_closed
        """
    )


def before(conf, db, folder):
    with odoo_env(conf, db) as env:
        _due_warnings(env)
        env.cr.commit()
        state = _state(env)
    Path(folder, "before.json").write_text(json.dumps(state))


def _percentiles(folder):
    with open(Path(folder) / "locust_stats.csv") as stats:
        return list(csv.DictReader(stats))


# Each product's cases: model, open ones, its stage model and what closes a stage.
PRODUCTS = {
    "SAT": ("sat.case", [("is_closed", "=", False)], "sat.case.stage", "is_closed"),
    "OCA": (
        "helpdesk.ticket",
        [("closed", "=", False)],
        "helpdesk.ticket.stage",
        "closed",
    ),
}


def _view_queries(env, product):
    """SQL queries of the kanban (its columns, the first column's cards) and of the
    list's first page, in a warm worker, as an agent, reading what the web client
    reads (the views' fields, with its context)."""
    model, open_domain, stage_model, closed = PRODUCTS[product]
    agent = env["res.users"].search([("login", "=", "agent01")])
    Cases = env[model].with_user(agent).with_context(**WEB_CONTEXT)
    first_stage = env[stage_model].search([(closed, "=", False)], limit=1)
    views = Cases.get_views([[False, "list"], [False, "kanban"]], {})
    figures = {}
    for label, call in (
        (
            "kanban columns",
            lambda: Cases.web_read_group(open_domain, ["stage_id"], ["stage_id"]),
        ),
        (
            "kanban first column",
            lambda: Cases.web_search_read(
                [("stage_id", "=", first_stage.id)],
                view_spec(views, "kanban"),
                limit=40,
            ),
        ),
        (
            "list first page",
            lambda: Cases.web_search_read([], view_spec(views, "list"), limit=80),
        ),
    ):
        env.invalidate_all()
        call()  # the caches of a warm worker
        env.invalidate_all()
        start = env.cr.sql_log_count
        call()
        figures[label] = env.cr.sql_log_count - start
    env.cr.rollback()
    return figures


def _wait_for_mailboxes(conf, db, start, delivered, limit=240):
    """The cron workers fetch each mailbox every minute: the mails delivered last
    become cases a little after the load ends."""
    deadline = time.time() + limit
    while True:
        with odoo_env(conf, db) as env:
            state = _state(env)
        if (
            state["from_mail"] - start["from_mail"] >= delivered
            or time.time() > deadline
        ):
            return state
        time.sleep(10)


def report(conf, db, folder, results, workers, seconds):
    folder = Path(folder)
    start = json.loads((folder / "before.json").read_text())
    delivered = sum(
        int(p.read_text() or 0)
        for p in folder.glob("delivered-*")
        if p.stat().st_mtime >= start["time"]
    )
    state = _wait_for_mailboxes(conf, db, start, delivered)
    queries = {}
    for product, database in (("SAT", db), ("OCA", f"{db}_oca")):
        with odoo_env(conf, database) as env:
            queries[product] = _view_queries(env, product)
    created = state["from_mail"] - start["from_mail"]
    odoo_cpu = state["odoo_cpu"] - start["odoo_cpu"]
    pg_cpu = state["pg_cpu"] - start["pg_cpu"]
    rows = _percentiles(folder)
    users = os.environ.get("SAT_SCALE_USERS", "40")
    total = max(odoo_cpu + pg_cpu, 1)
    lines = [
        "",
        (
            f"## Load test, {datetime.date.today()} ({platform.node()}, "
            f"{os.cpu_count()} cores)"
        ),
        "",
        (
            f"`bash scripts/scale.sh load {seconds}`: Odoo prefork, {workers} HTTP "
            "workers and 2 cron workers, reads on a streaming replica; PostgreSQL 15 "
            f"primary + replica; Dovecot with {MAILBOXES} mailboxes; Locust, {users} "
            "users."
        ),
        "",
        "| Request | Count | Failures | req/s | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{float(row['Requests/s']):.2f} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} |"
        )
    p95 = {row["Name"]: float(row["95%"] or 0) for row in rows}
    ratios = [
        f"{view} {p95[f'OCA {view}'] / p95[f'SAT {view}']:.2f}"
        for view in ("kanban: columns", "kanban: first column", "list: first page")
        if p95.get(f"SAT {view}") and p95.get(f"OCA {view}")
    ]
    equal = "equal" if delivered == created else "NOT equal"
    lines += [
        "",
        (
            f"- Mails delivered to the mailboxes: {delivered}; cases created from "
            f"mail: {created} ({equal})."
        ),
        (
            f"- SLA warnings: {state['warnings'] - start['warnings']} during the run; "
            f"{state['warnings'] - state['distinct_warnings']} duplicated."
        ),
        (
            f"- CPU: Odoo {odoo_cpu:.0f} s, PostgreSQL {pg_cpu:.0f} s "
            f"({100 * odoo_cpu / total:.0f} % / {100 * pg_cpu / total:.0f} %)."
        ),
        (
            "- SQL queries, warm worker, SAT / OCA: "
            + ", ".join(
                f"{label} {count} / {queries['OCA'][label]}"
                for label, count in queries["SAT"].items()
            )
            + "."
        ),
        (
            "- OCA helpdesk_mgmt p95 / SAT p95 on the same machine and run (above 1: "
            f"SAT faster): {', '.join(ratios)}."
        ),
        "",
    ]
    text = "\n".join(lines)
    print(text)
    with open(results, "a") as out:
        out.write(text)


if __name__ == "__main__":
    {"serve": serve, "fill": fill, "before": before, "report": report}[sys.argv[1]](
        *sys.argv[2:]
    )
