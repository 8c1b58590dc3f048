DROP TABLE calendar_feeds;
DROP TABLE appointment_links;
DROP TABLE appointment_attendees;
DROP TABLE appointments;
