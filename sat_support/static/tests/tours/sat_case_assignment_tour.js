/** @odoo-module */

import {registry} from "@web/core/registry";

// Choosing the category of a new case shows the team it goes to, and choosing the
// customer shows their SAT responsible, before anything is saved.
registry.category("web_tour.tours").add("sat_case_assignment_tour", {
    steps: () => [
        {
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour: pump leaks",
        },
        {
            trigger: ".o_field_widget[name=category_id] input",
            run: "edit Tour Pumps",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Pumps')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=team_id] input:value(Tour Pool)",
        },
        {
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Tour Assigned Roastery",
        },
        {
            trigger: ".o-autocomplete--dropdown-item a:contains('Tour Assigned Roastery')",
            run: "click",
        },
        {
            trigger: ".o_field_widget[name=user_id] input:value(Tour Technician)",
        },
        {
            trigger: ".o_breadcrumb .active:contains('New')",
        },
        {
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            // Saved, not only named: the reference comes from the server.
            trigger: ".o_form_saved .o_field_widget[name=reference]:contains('SAT/')",
        },
    ],
});
