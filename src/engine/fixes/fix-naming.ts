/** Human names for resources, used to name Terraform resources and descriptions. */
export interface FixNaming {
  groupName(groupId: string): string | undefined;
  networkAclName(networkAclId: string): string | undefined;
}

/** A Terraform-safe identifier: lower case, `[a-z0-9_]`, starting with a letter or underscore. */
export function terraformIdentifier(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return /^[a-z_]/.test(cleaned) ? cleaned : `r_${cleaned}`;
}
