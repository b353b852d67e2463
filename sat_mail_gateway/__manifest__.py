{
    "name": "SAT Support Mailboxes",
    "summary": "A support mailbox per customer account: each mail in becomes a case, "
    "replies leave through the customer's SMTP server",
    "version": "18.0.1.0.0",
    "category": "Services/Helpdesk",
    "website": "https://github.com/sat-odoo/sat",
    "author": "SAT for Odoo",
    "maintainers": ["sat-odoo"],
    "license": "AGPL-3",
    "images": ["static/description/screenshot_mailbox.png"],
    "development_status": "Beta",
    "depends": ["sat_support"],
    "data": [
        "security/ir.model.access.csv",
        "security/sat_mail_gateway_rules.xml",
        "data/ir_config_parameter_data.xml",
        "data/mail_activity_type_data.xml",
        "data/ir_cron_data.xml",
        "views/res_partner_views.xml",
        "views/sat_case_stage_views.xml",
        "views/sat_mail_gateway_failure_views.xml",
        "views/sat_classification_rule_views.xml",
    ],
    "demo": ["demo/sat_case_stage_demo.xml"],
    "assets": {
        "web.assets_tests": ["sat_mail_gateway/static/tests/tours/*.js"],
    },
}
