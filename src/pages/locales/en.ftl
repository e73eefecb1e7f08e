# fxa-gate's pages, in English (the fallback for every other language).
# Variables: $product (the site's name, when the operator set one), $provider (the account
# provider's name), $email, $plan, $domains, $id, $date, $when.

## Names

provider-mozilla = Mozilla account
this-site = this site

## Parts of every page

page-reference = Reference: { $id }
page-reference-help = Give this reference to the site’s administrators if you ask them for help.
page-signed-in-as = You are signed in as { $email }.

## Links and buttons

link-sign-in = Sign in
link-sign-in-again = Sign in again
link-other-account = Use another account
link-back = Go back to the app
link-try-again = Try again
link-account-settings = Open your { $provider } settings
link-sessions = See where you are signed in
link-subscribe = See subscription options
link-step-up = Confirm with two-step authentication

## Errors

error-bad-request-title = This request could not be understood
error-bad-request-reason = The address or the request was not in a form this site accepts. Go back and try again.
error-unauthenticated-title = Sign in to continue
error-unauthenticated-reason = You need to sign in to see this page.
error-token-title = Your access could not be confirmed
error-token-reason = The app that sent this request used an access key that is invalid or has expired. Sign in again.
error-forbidden-title = You don’t have access to this page
error-forbidden-reason = You are signed in, but this site does not let your account in here.
error-not-found-title = Page not found
error-not-found-reason = There is nothing at this address. Check it for typing mistakes, or go back to the app.
error-method-title = This action is not possible here
error-method-reason = This page cannot be used this way. Go back and try again.
error-timeout-title = The request took too long
error-timeout-reason = Your browser took too long to send the request. Check your connection and try again.
error-too-many-title = Too many requests
error-too-many-reason = This browser sent too many requests in a short time. Wait a minute, then try again.
error-unavailable-title = This service is unavailable right now
error-unavailable-reason = It is not your fault. Please try again in a few minutes.
error-provider-title = Signing in is not possible right now
error-provider-reason = Your { $provider } could not be reached, or it answered with an error. Please try again in a few minutes.
error-app-title = The app is not responding
error-app-reason = The app behind this page did not answer in time, or could not be reached. Please try again in a few minutes.
error-setup-title = This site is not set up correctly
error-setup-reason = The site’s administrators need to fix how it is set up. Tell them the reference below.
error-internal-title = Something went wrong
error-internal-reason = An unexpected problem stopped this page. Please try again; if it happens again, tell the site’s administrators the reference below.
error-busy-title = This site is very busy right now
error-busy-reason = Too many people are using it at the same time. Please try again in a moment.
error-cross-site-title = This request came from another site
error-cross-site-reason = For your safety, this site accepts this request only from its own pages, so nothing was changed. Go back and use the button on this site.
error-forged-header-title = This request was refused
error-forged-header-reason = Your browser, or something between it and this site, added information to the request that only this site may set. If a browser extension or a tool changes your requests, turn it off for this site and try again. If it happens again, tell the site’s administrators the reference below.
error-headers-too-large-title = This request was too large
error-headers-too-large-reason = Your browser sent more data with this request than this site accepts, often because of too many or too large cookies. Delete this site’s cookies and try again.
error-profile-too-large-title = Your profile cannot be used here
error-profile-too-large-reason = Your { $provider } profile has something this site cannot accept: a value that is too long, or too many items. Shorten it in your { $provider } settings, then sign in again.
error-logout-incomplete-title = You are still signed in
error-logout-incomplete-reason = Signing out of { $site } could not be completed, so you are still signed in. Please try again in a moment.

## Sign-in problems

login-expired-title = Your sign-in expired
login-expired-reason = The sign-in took too long, or it was started in another browser or window. Start it again.
login-mismatch-title = This sign-in belongs to another window
login-mismatch-reason = The answer from your account provider does not match a sign-in started in this browser. Start again from this window.
login-cancelled-title = Sign-in cancelled
login-cancelled-reason = You cancelled signing in, or your { $provider } did not allow it.
login-failed-title = Sign-in did not complete
login-failed-reason = Your { $provider } did not accept this sign-in (it may have been used already). Start again.

## A signed-in user who may not enter

forbidden-title = You don’t have access to this page
forbidden-domain = This area is for { $domains } accounts.
forbidden-emails = This area is open only to certain accounts.
forbidden-plan = This area needs a { $plan } subscription.
forbidden-plan-how = If you have just subscribed, sign in again so that your subscription is seen.
forbidden-scope = Your sign-in did not grant a permission that this area needs.
forbidden-two-step = This area needs two-step authentication.
forbidden-two-step-how = Turn on two-step authentication in your { $provider } settings, then sign in again.
forbidden-assurance = This area needs a stronger sign-in than your account provider can confirm.
forbidden-other-account = If you have another account that is allowed here, sign in with that one.

## Two-step authentication asked for, and not used

step-up-title = Two-step authentication is needed
step-up-reason = This area asks you to confirm that it is you with a second step, such as a code from an authentication app. Your sign-in did not use one.
step-up-how = Turn on two-step authentication in your { $provider } settings, then try again.

## Signed out

signed-out-title = You are signed out
signed-out-reason = You signed out of { $site }.
signed-out-provider = You are still signed in to your { $provider } in this browser, so signing in again may not ask for your password. To sign out of it too, use its settings.

## Confirming a sign-out

logout-title = Sign out?
logout-reason = Do you want to sign out of { $site }?
logout-button = Sign out

## Where you are signed in

sessions-title = Where you are signed in
sessions-intro = These browsers and devices are signed in to { $site } with your account.
sessions-current = This browser
sessions-browser = { $browser } on { $system }
sessions-unknown-browser = Unknown browser
sessions-signed-in = Signed in { $date }
sessions-last-seen = Last active { $when }
sessions-address = Network { $ip }
sessions-end = Sign out this browser
sessions-end-all = Sign out everywhere else
sessions-only-this = You are not signed in anywhere else.
sessions-ended = The session was ended.
sessions-ended-all = Every other session was ended.
sessions-provider = Your { $provider } has its own list of devices and apps in its settings.
