import { Migration } from '@mikro-orm/migrations';

/**
 * patient_version_patient_id_version_desc repeated the unique (patient_id, version) index: a btree
 * reads backwards as well, so that one already gives a patient's history newest first, and every
 * write paid for a second index entry.
 */
export class Migration20261126071000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop index "patients"."patient_version_patient_id_version_desc";`);
  }

  override async down(): Promise<void> {
    this.addSql(
      `create index "patient_version_patient_id_version_desc" on "patients"."patient_version" ("patient_id", "version" desc);`,
    );
  }
}
