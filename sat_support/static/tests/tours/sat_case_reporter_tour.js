/** @odoo-module */

import {registry} from "@web/core/registry";

// On a case of a customer: "Reported by" offers the customer's contacts, not every
// contact; "Cancel Case" asks with words that say what each button does.
registry.category("web_tour.tours").add("sat_case_reporter_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=reporter_id] input",
            run: "edit Cora",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Cora Contact')",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu:not(:has(a:contains('Cora Elsewhere')))",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Cora Contact')",
            run: "click",
        },
        {
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            trigger: "button[name=action_cancel]",
            run: "click",
        },
        {
            trigger: ".modal-footer button:contains('Cancel the case')",
        },
        {
            trigger: ".modal-footer button:contains('Keep it')",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
    ],
});
