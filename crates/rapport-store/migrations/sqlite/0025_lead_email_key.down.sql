DROP INDEX leads_live_email_folded;
