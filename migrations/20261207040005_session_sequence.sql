-- A session's revision, the SEQUENCE of its calendar events: it goes up each time the session's
-- date, times, place or address change, so that calendars which imported the invitation's
-- `.ics` replace the event (same UID) with the mail telling what changed.
ALTER TABLE workshop_sessions ADD COLUMN sequence integer NOT NULL DEFAULT 0 CHECK (sequence >= 0);
