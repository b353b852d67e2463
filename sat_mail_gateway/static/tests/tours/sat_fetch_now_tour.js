/** @odoo-module */

import {registry} from "@web/core/registry";

// A SAT manager fetches a customer's mailbox from the customer's form and is told what
// the fetch brought.
registry.category("web_tour.tours").add("sat_fetch_now_tour", {
    steps: () => [
        {
            trigger: ".o_notebook .nav-link:contains('Support Mailbox')",
            run: "click",
        },
        {
            trigger: "button[name=action_sat_fetch_now]",
            run: "click",
        },
        {
            trigger: ".o_notification:contains('Mails fetched: 1')",
        },
    ],
});
