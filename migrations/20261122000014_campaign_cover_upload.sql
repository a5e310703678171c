-- Cover images uploaded from the console live among the space's files (up to 1 MiB; the
-- console keeps logos to 512 KiB) and are served from /espace/images/{id}.
ALTER TABLE space_assets DROP CONSTRAINT space_assets_bytes_check;
ALTER TABLE space_assets ADD CONSTRAINT space_assets_bytes_check CHECK (octet_length(bytes) <= 1048576);
ALTER TABLE campaigns DROP CONSTRAINT campaigns_cover_url;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_cover_url CHECK (
    cover_image_url IS NULL
    OR cover_image_url ~ '^(/static/|https://)[^\s"''<>]+$'
    OR cover_image_url ~ '^/espace/images/[0-9a-f-]{36}$'
);
