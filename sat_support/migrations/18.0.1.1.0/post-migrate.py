def migrate(cr, version):
    """The first response of the cases answered before it was stored: the first
    public message of a staff member, as the statistics counted it until then."""
    if not version:
        return
    cr.execute(
        """
        UPDATE sat_case c
           SET date_first_response = response.date
          FROM (
              SELECT message.res_id, min(message.date) AS date
                FROM mail_message message
                JOIN res_users staff ON staff.partner_id = message.author_id
                                    AND NOT staff.share
               WHERE message.model = 'sat.case'
                 AND message.message_type = 'comment'
                 AND message.subtype_id = (
                     SELECT res_id FROM ir_model_data
                      WHERE module = 'mail' AND name = 'mt_comment'
                 )
               GROUP BY message.res_id
          ) response
         WHERE response.res_id = c.id AND c.date_first_response IS NULL
        """
    )
