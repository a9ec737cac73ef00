ALTER TABLE `devices` ADD `tailscale_online` integer;--> statement-breakpoint
ALTER TABLE `devices` ADD `tailscale_last_seen` text;