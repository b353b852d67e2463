/** @odoo-module */

import {registry} from "@web/core/registry";

// The customer answers a case waiting for them on the portal: the case goes back to
// work, and the page shows its new stage at once.
registry.category("web_tour.tours").add("sat_portal_answer_tour", {
    steps: () => [
        {
            trigger: "#sat_case_stage:contains('Waiting Customer')",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-input",
            run: "edit Here is the photo you asked for",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Composer-send:enabled",
            run: "click",
        },
        {
            trigger: "#chatterRoot:shadow .o-mail-Message:contains('Here is the photo')",
        },
        {
            trigger: "#sat_case_stage:contains('In Progress')",
        },
    ],
});
