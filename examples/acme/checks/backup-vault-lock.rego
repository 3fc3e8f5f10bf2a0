# backup-vault-lock: the Aurora backup vault is locked in compliance mode with at least 35 days
# of minimum retention. Evidence: evidence/aws/backup-vaults.json, exported by the backup account's
# quarterly audit job (hence the check's max_age).
package main

import rego.v1

deny contains msg if {
	some vault in input.BackupVaultList
	vault.BackupVaultName == "aurora-prod"
	not vault.Locked
	msg := "vault aurora-prod is not locked"
}

deny contains msg if {
	some vault in input.BackupVaultList
	vault.BackupVaultName == "aurora-prod"
	vault.Locked
	object.get(vault, "LockDate", null) == null
	msg := "vault aurora-prod is in governance mode (no LockDate): the lock can be removed"
}

deny contains msg if {
	some vault in input.BackupVaultList
	vault.BackupVaultName == "aurora-prod"
	vault.MinRetentionDays < 35
	msg := sprintf("vault aurora-prod keeps backups only %d days", [vault.MinRetentionDays])
}

deny contains msg if {
	count([v | some v in input.BackupVaultList; v.BackupVaultName == "aurora-prod"]) == 0
	msg := "vault aurora-prod is missing from the export"
}
