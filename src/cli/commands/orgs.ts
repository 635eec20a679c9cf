/** `opentrail orgs`: the organizations of organization trails, in <data-dir>/organizations.json. */
import type { Command } from 'commander';
import { DEFAULT_DATA_DIR } from '../../config.ts';
import {
  addOrganizationAccount,
  createOrganization,
  readOrganizations,
  removeOrganizationAccount,
} from '../../local/index.ts';
import { cloudTrailDelegatedAdministrators } from '../../trails/index.ts';

interface AccountOptions {
  org: string;
  account: string;
  dataDir: string;
}

export function registerOrgs(program: Command): void {
  const orgs = program
    .command('orgs')
    .description('organizations for organization trails (kept in <data-dir>/organizations.json)');
  orgs
    .command('create')
    .description('create an organization with a management account')
    .requiredOption('--management-account <id>', 'the management account (12 digits)')
    .option('--id <org-id>', 'organization ID, o- followed by 10-32 lower-case letters or digits')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { managementAccount: string; id?: string; dataDir: string }) => {
      const org = await createOrganization(opts.dataDir, opts.managementAccount, opts.id);
      console.log(`${org.id} (management account ${org.managementAccountId})`);
    });
  orgs
    .command('add-account')
    .description('add a member account to an organization')
    .requiredOption('--org <org-id>', 'organization ID')
    .requiredOption('--account <id>', 'member account (12 digits)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: AccountOptions) => {
      const org = await addOrganizationAccount(opts.dataDir, opts.org, opts.account);
      console.log(`${org.id}: ${org.memberAccountIds.length} member account(s)`);
    });
  orgs
    .command('remove-account')
    .description('remove a member account from an organization (and from its delegated administrators)')
    .requiredOption('--org <org-id>', 'organization ID')
    .requiredOption('--account <id>', 'member account (12 digits)')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: AccountOptions) => {
      const org = await removeOrganizationAccount(opts.dataDir, opts.org, opts.account);
      console.log(`${org.id}: ${org.memberAccountIds.length} member account(s)`);
    });
  orgs
    .command('list')
    .description('list organizations and their accounts')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .action(async (opts: { dataDir: string }) => {
      for (const org of await readOrganizations(opts.dataDir)) {
        // Delegated administrators are registered through the API (RegisterOrganizationDelegatedAdmin).
        const admins = cloudTrailDelegatedAdministrators(org);
        console.log(
          `${org.id}\tmanagement ${org.managementAccountId}\tmembers ${org.memberAccountIds.join(',') || '-'}` +
            (admins.length > 0 ? `\tcloudtrail delegated administrators ${admins.join(',')}` : ''),
        );
      }
    });
}
