import { Migration } from '@mikro-orm/migrations';

export class Migration20261126054808 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create index "patient_created_by_id_created_at_id_index" on "patients"."patient" ("created_by_id", "created_at", "id");`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop index "patients"."patient_created_by_id_created_at_id_index";`);
  }
}
