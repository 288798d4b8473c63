-- An index for every foreign key that points into the register or the
-- ledger, so that PostgreSQL's own check of it, when the row it points to
-- is deleted or its key changes (ON UPDATE CASCADE), looks the referencing
-- rows up instead of reading the whole table. Without them, deleting 29,000
-- benefits on a province-sized register read the 212,000 referrals once per
-- benefit, for six minutes; moving a person to another household would read
-- every register change. Each is partial, as the columns are empty for most
-- rows. internal/postgres TestForeignKeysHaveIndexes keeps it so.

CREATE INDEX application_applicant ON application (applicant_id) WHERE applicant_id IS NOT NULL;
CREATE INDEX referral_benefit ON referral (benefit_id) WHERE benefit_id IS NOT NULL;
CREATE INDEX data_issue_benefit ON data_issue (benefit_id) WHERE benefit_id IS NOT NULL;
CREATE INDEX data_issue_person ON data_issue (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX data_issue_related_person ON data_issue (related_person_id) WHERE related_person_id IS NOT NULL;
CREATE INDEX register_change_person ON register_change (person_id) WHERE person_id IS NOT NULL;

---- create above / drop below ----

DROP INDEX register_change_person;
DROP INDEX data_issue_related_person;
DROP INDEX data_issue_person;
DROP INDEX data_issue_benefit;
DROP INDEX referral_benefit;
DROP INDEX application_applicant;
