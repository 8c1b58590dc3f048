ALTER TABLE workspaces DROP COLUMN require_mfa;
DROP TABLE recovery_codes;
DROP TABLE user_totp;
