DROP TABLE cases;
DROP TABLE sequences;
