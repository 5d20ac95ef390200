-- Publishing a build's wheel and sdist to a Python index: a hosted index of this server
-- (publish_index, its name) and/or an upstream index reached with twine's upload protocol
-- (publish_index_url, with the API token read from a file on the server, never stored here).
ALTER TABLE build_project ADD COLUMN publish_index VARCHAR(64);
ALTER TABLE build_project ADD COLUMN publish_index_url VARCHAR(2048);
ALTER TABLE build_project ADD COLUMN publish_index_token_file VARCHAR(1024);
