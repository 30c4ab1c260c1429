import { Migration } from '@mikro-orm/migrations';

/**
 * The indexes of duplicateCandidates' blocking (issue 17, src/patients/duplicates.ts), each on
 * active records only: a family name's Double Metaphone with the birth date (sounds alike, born
 * within a year), with the given name's (a full name that sounds alike; a trigram GiST index
 * for the nearest names cost 100 ms a search at 100,000 patients), phone, email, and identifier
 * values without case or punctuation. The birth date block uses patient_birth_date_asc_index. Written by hand (MikroORM
 * cannot express expression or partial indexes); `npm run migration:create` made the skeleton.
 */
const sound = (column: string) => `public.dmetaphone("patients"."search_fold"("${column}"))`;

export class Migration20261201151145 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "patient_duplicate_name_sound" on "patients"."patient" (${sound('family_name')}, ${sound('given_name')}) where "active";`,
    );
    this.addSql(
      `create index "patient_duplicate_family_sound" on "patients"."patient" (${sound('family_name')}, "birth_date") where "active";`,
    );
    this.addSql(
      `create index "patient_duplicate_phone" on "patients"."patient" ("phone") where "active" and "phone" is not null;`,
    );
    this.addSql(
      `create index "patient_duplicate_email" on "patients"."patient" (lower("email")) where "active" and "email" is not null;`,
    );
    this.addSql(
      `create index "patient_identifier_value_key" on "patients"."patient_identifier" ("system", regexp_replace(lower("value"), '[^a-z0-9]', '', 'g'));`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "patients"."patient_duplicate_name_sound";`);
    this.addSql(`drop index "patients"."patient_duplicate_family_sound";`);
    this.addSql(`drop index "patients"."patient_duplicate_phone";`);
    this.addSql(`drop index "patients"."patient_duplicate_email";`);
    this.addSql(`drop index "patients"."patient_identifier_value_key";`);
  }
}
