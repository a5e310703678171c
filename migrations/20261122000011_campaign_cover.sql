-- A campaign's cover image: a URL on this site (/static/…, uploads later) or https, and its
-- text alternative (empty only when the image says nothing the title does not).
ALTER TABLE campaigns
    ADD COLUMN cover_image_alt text NOT NULL DEFAULT '' CHECK (length(cover_image_alt) <= 300),
    ADD CONSTRAINT campaigns_cover_url CHECK (
        cover_image_url IS NULL OR cover_image_url ~ '^(/static/|https://)[^\s"''<>]+$'
    );
