DROP TABLE campaign_deals;
DROP TABLE campaign_members;
DROP TABLE campaigns;
