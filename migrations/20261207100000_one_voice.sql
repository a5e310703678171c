-- One voice per verified identity (issue 22, step 6). A campaign may require a FranceConnect-
-- verified identity to contribute; it then counts one voice per identity, whatever the number
-- of accounts that person signs in with (a second address at FranceConnect met in another
-- space, an account deleted and made again). The code refuses first with a French page; these
-- rules make the database refuse too.

ALTER TABLE campaigns ADD COLUMN verified_only boolean NOT NULL DEFAULT false;

-- The voice of an identity: a digest of the provider's `sub` (for the platform's client), the
-- same in every space and for every account it is linked to. A digest, so that contributions
-- carry no `sub`.
ALTER TABLE oidc_identities ADD COLUMN voice bytea;
CREATE FUNCTION oidc_identity_voice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.voice := sha256(convert_to(NEW.provider || ':' || NEW.subject, 'UTF8'));
    RETURN NEW;
END;
$$;
CREATE TRIGGER oidc_identities_voice BEFORE INSERT OR UPDATE ON oidc_identities
    FOR EACH ROW EXECUTE FUNCTION oidc_identity_voice();
UPDATE oidc_identities SET voice = NULL;
ALTER TABLE oidc_identities ALTER COLUMN voice SET NOT NULL;

-- The voice `account` contributes with to `campaign`: NULL when the campaign does not require a
-- verified identity; an error when it does and the account has no FranceConnect identity in the
-- current space (read under its RLS policy).
CREATE FUNCTION campaign_voice(campaign_tenant uuid, campaign uuid, account uuid) RETURNS bytea
LANGUAGE plpgsql STABLE AS $$
DECLARE
    required boolean;
    found bytea;
BEGIN
    SELECT c.verified_only INTO required FROM campaigns c WHERE c.tenant_id = campaign_tenant AND c.id = campaign;
    IF NOT coalesce(required, false) THEN
        RETURN NULL;
    END IF;
    SELECT i.voice INTO found FROM oidc_identities i
     WHERE i.account_id = account AND i.provider = 'franceconnect'
     ORDER BY i.verified_at, i.subject LIMIT 1;
    IF found IS NULL THEN
        RAISE EXCEPTION 'this campaign requires a verified identity' USING ERRCODE = 'check_violation';
    END IF;
    RETURN found;
END;
$$;

-- Likes: one per idea and voice.
ALTER TABLE idea_likes ADD COLUMN voice bytea;
CREATE UNIQUE INDEX idea_likes_one_voice ON idea_likes (tenant_id, idea_id, voice) WHERE voice IS NOT NULL;
CREATE FUNCTION idea_like_voice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.voice := campaign_voice(NEW.tenant_id,
        (SELECT i.campaign_id FROM ideas i WHERE i.tenant_id = NEW.tenant_id AND i.id = NEW.idea_id),
        NEW.account_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER idea_likes_voice BEFORE INSERT ON idea_likes
    FOR EACH ROW EXECUTE FUNCTION idea_like_voice();

-- Survey responses: one respondent per voice (each respondent's first version is 1; later
-- versions of the same respondent carry the same voice). The insert sets the voice with
-- campaign_voice() (an anonymous response keeps no account id); this trigger refuses a response
-- without one where the campaign requires it.
ALTER TABLE survey_responses ADD COLUMN voice bytea;
CREATE UNIQUE INDEX survey_responses_one_voice ON survey_responses (tenant_id, campaign_id, voice)
    WHERE voice IS NOT NULL AND version = 1;
CREATE FUNCTION survey_response_voice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.voice IS NULL AND EXISTS (SELECT 1 FROM campaigns c
                                      WHERE c.tenant_id = NEW.tenant_id AND c.id = NEW.campaign_id AND c.verified_only) THEN
        RAISE EXCEPTION 'this campaign requires a verified identity' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER survey_responses_voice BEFORE INSERT ON survey_responses
    FOR EACH ROW EXECUTE FUNCTION survey_response_voice();

-- Ideas and comments: only a verified identity writes in such a campaign (no count to keep).
CREATE FUNCTION idea_requires_voice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM campaign_voice(NEW.tenant_id, NEW.campaign_id, NEW.account_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER ideas_voice BEFORE INSERT ON ideas
    FOR EACH ROW EXECUTE FUNCTION idea_requires_voice();
CREATE FUNCTION comment_requires_voice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM campaign_voice(NEW.tenant_id,
        (SELECT i.campaign_id FROM ideas i WHERE i.tenant_id = NEW.tenant_id AND i.id = NEW.idea_id),
        NEW.account_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER idea_comments_voice BEFORE INSERT ON idea_comments
    FOR EACH ROW EXECUTE FUNCTION comment_requires_voice();
