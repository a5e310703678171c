-- Issue 24, item 5: mail in the recipient's language.
--
-- `accounts.lang` is the language of the pages the person last used (at sign-in, when they
-- switch language, when they contribute): the mail written to them is in it. French, the
-- platform's language of reference, until they use another.
ALTER TABLE accounts
    ADD COLUMN lang text NOT NULL DEFAULT 'fr' CHECK (lang IN ('fr', 'en'));

-- The language a mail was written in: the worker writes its footer (why it is sent, the
-- unsubscribe words) and its HTML `lang` in the same one.
ALTER TABLE mail_outbox
    ADD COLUMN lang text NOT NULL DEFAULT 'fr' CHECK (lang IN ('fr', 'en'));
