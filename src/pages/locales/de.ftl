# Die Seiten von fxa-gate auf Deutsch.

## Namen

provider-mozilla = Mozilla-Konto
this-site = diese Website

## Teile jeder Seite

page-reference = Referenz: { $id }
page-reference-help = Nennen Sie diese Referenz den Verantwortlichen der Website, wenn Sie dort um Hilfe bitten.
page-signed-in-as = Sie sind als { $email } angemeldet.

## Links und Schaltflächen

link-sign-in = Anmelden
link-sign-in-again = Erneut anmelden
link-other-account = Anderes Konto verwenden
link-back = Zurück zur Anwendung
link-try-again = Erneut versuchen
link-account-settings = Einstellungen Ihres { $provider } öffnen
link-sessions = Sehen, wo Sie angemeldet sind
link-subscribe = Abo-Angebote ansehen
link-step-up = Mit Zwei-Schritt-Authentifizierung bestätigen

## Fehler

error-bad-request-title = Diese Anfrage wurde nicht verstanden
error-bad-request-reason = Die Adresse oder die Anfrage hat eine Form, die diese Website nicht annimmt. Gehen Sie zurück und versuchen Sie es erneut.
error-unauthenticated-title = Melden Sie sich an, um fortzufahren
error-unauthenticated-reason = Sie müssen sich anmelden, um diese Seite zu sehen.
error-token-title = Ihr Zugang konnte nicht bestätigt werden
error-token-reason = Die Anwendung, die diese Anfrage gesendet hat, verwendete einen ungültigen oder abgelaufenen Zugangsschlüssel. Melden Sie sich erneut an.
error-forbidden-title = Sie haben keinen Zugriff auf diese Seite
error-forbidden-reason = Sie sind angemeldet, aber diese Website lässt Ihr Konto hier nicht herein.
error-not-found-title = Seite nicht gefunden
error-not-found-reason = Unter dieser Adresse gibt es nichts. Prüfen Sie sie auf Tippfehler oder gehen Sie zurück zur Anwendung.
error-method-title = Diese Aktion ist hier nicht möglich
error-method-reason = Diese Seite kann so nicht verwendet werden. Gehen Sie zurück und versuchen Sie es erneut.
error-timeout-title = Die Anfrage hat zu lange gedauert
error-timeout-reason = Ihr Browser hat zu lange gebraucht, um die Anfrage zu senden. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.
error-too-many-title = Zu viele Anfragen
error-too-many-reason = Dieser Browser hat in kurzer Zeit zu viele Anfragen gesendet. Warten Sie eine Minute und versuchen Sie es dann erneut.
error-unavailable-title = Dieser Dienst ist gerade nicht verfügbar
error-unavailable-reason = Das liegt nicht an Ihnen. Bitte versuchen Sie es in ein paar Minuten erneut.
error-provider-title = Die Anmeldung ist gerade nicht möglich
error-provider-reason = Ihr { $provider } war nicht erreichbar oder hat mit einem Fehler geantwortet. Bitte versuchen Sie es in ein paar Minuten erneut.
error-app-title = Die Anwendung antwortet nicht
error-app-reason = Die Anwendung hinter dieser Seite hat nicht rechtzeitig geantwortet oder war nicht erreichbar. Bitte versuchen Sie es in ein paar Minuten erneut.
error-setup-title = Diese Website ist nicht richtig eingerichtet
error-setup-reason = Die Verantwortlichen der Website müssen die Einrichtung korrigieren. Nennen Sie ihnen die Referenz unten.
error-internal-title = Etwas ist schiefgelaufen
error-internal-reason = Ein unerwartetes Problem hat diese Seite gestoppt. Bitte versuchen Sie es erneut; wenn es wieder passiert, nennen Sie den Verantwortlichen der Website die Referenz unten.
error-busy-title = Diese Website ist gerade sehr ausgelastet
error-busy-reason = Zu viele Menschen nutzen sie gleichzeitig. Bitte versuchen Sie es gleich noch einmal.
error-cross-site-title = Diese Anfrage kam von einer anderen Website
error-cross-site-reason = Zu Ihrer Sicherheit nimmt diese Website diese Anfrage nur von ihren eigenen Seiten an, daher wurde nichts geändert. Gehen Sie zurück und verwenden Sie die Schaltfläche auf dieser Website.
error-forged-header-title = Diese Anfrage wurde abgelehnt
error-forged-header-reason = Ihr Browser oder etwas zwischen ihm und dieser Website hat der Anfrage Angaben hinzugefügt, die nur diese Website setzen darf. Wenn eine Browsererweiterung oder ein Werkzeug Ihre Anfragen verändert, schalten Sie es für diese Website aus und versuchen Sie es erneut. Wenn es wieder passiert, nennen Sie den Verantwortlichen der Website die Referenz unten.
error-headers-too-large-title = Diese Anfrage war zu groß
error-headers-too-large-reason = Ihr Browser hat mit dieser Anfrage mehr Daten gesendet, als diese Website annimmt, oft wegen zu vieler oder zu großer Cookies. Löschen Sie die Cookies dieser Website und versuchen Sie es erneut.
error-profile-too-large-title = Ihr Profil kann hier nicht verwendet werden
error-profile-too-large-reason = Ihr Profil bei Ihrem { $provider } enthält etwas, das diese Website nicht annehmen kann: einen zu langen Wert oder zu viele Einträge. Kürzen Sie es in den Einstellungen Ihres { $provider } und melden Sie sich dann erneut an.
error-logout-incomplete-title = Sie sind noch angemeldet
error-logout-incomplete-reason = Die Abmeldung von { $site } konnte nicht abgeschlossen werden, daher sind Sie noch angemeldet. Bitte versuchen Sie es gleich noch einmal.

## Probleme bei der Anmeldung

login-expired-title = Ihre Anmeldung ist abgelaufen
login-expired-reason = Die Anmeldung hat zu lange gedauert oder wurde in einem anderen Browser oder Fenster begonnen. Beginnen Sie sie erneut.
login-mismatch-title = Diese Anmeldung gehört zu einem anderen Fenster
login-mismatch-reason = Die Antwort Ihres Kontoanbieters passt zu keiner Anmeldung, die in diesem Browser begonnen wurde. Beginnen Sie in diesem Fenster erneut.
login-cancelled-title = Anmeldung abgebrochen
login-cancelled-reason = Sie haben die Anmeldung abgebrochen, oder Ihr { $provider } hat sie nicht zugelassen.
login-failed-title = Die Anmeldung wurde nicht abgeschlossen
login-failed-reason = Ihr { $provider } hat diese Anmeldung nicht angenommen (vielleicht wurde sie schon verwendet). Beginnen Sie erneut.

## Angemeldet, aber ohne Zutritt

forbidden-title = Sie haben keinen Zugriff auf diese Seite
forbidden-domain = Dieser Bereich ist für Konten von { $domains }.
forbidden-emails = Dieser Bereich ist nur für bestimmte Konten offen.
forbidden-plan = Für diesen Bereich brauchen Sie ein { $plan }-Abo.
forbidden-plan-how = Wenn Sie gerade ein Abo abgeschlossen haben, melden Sie sich erneut an, damit es erkannt wird.
forbidden-scope = Ihre Anmeldung hat eine Berechtigung nicht erteilt, die dieser Bereich braucht.
forbidden-two-step = Dieser Bereich erfordert die Zwei-Schritt-Authentifizierung.
forbidden-two-step-how = Aktivieren Sie die Zwei-Schritt-Authentifizierung in den Einstellungen Ihres { $provider } und melden Sie sich dann erneut an.
forbidden-assurance = Dieser Bereich erfordert eine stärkere Anmeldung, als Ihr Kontoanbieter bestätigen kann.
forbidden-other-account = Wenn Sie ein anderes Konto haben, das hier zugelassen ist, melden Sie sich damit an.

## Zwei-Schritt-Authentifizierung verlangt, aber nicht verwendet

step-up-title = Zwei-Schritt-Authentifizierung erforderlich
step-up-reason = Dieser Bereich verlangt, dass Sie mit einem zweiten Schritt bestätigen, dass Sie es sind, etwa mit einem Code aus einer Authentifizierungs-App. Ihre Anmeldung hat keinen verwendet.
step-up-how = Aktivieren Sie die Zwei-Schritt-Authentifizierung in den Einstellungen Ihres { $provider } und versuchen Sie es dann erneut.

## Abgemeldet

signed-out-title = Sie sind abgemeldet
signed-out-reason = Sie haben sich von { $site } abgemeldet.
signed-out-provider = Bei Ihrem { $provider } sind Sie in diesem Browser weiterhin angemeldet; eine erneute Anmeldung fragt deshalb vielleicht nicht nach Ihrem Passwort. Um sich auch dort abzumelden, verwenden Sie die Einstellungen des Kontos.

## Abmelden bestätigen

logout-title = Abmelden?
logout-reason = Möchten Sie sich von { $site } abmelden?
logout-button = Abmelden

## Wo Sie angemeldet sind

sessions-title = Wo Sie angemeldet sind
sessions-intro = Diese Browser und Geräte sind mit Ihrem Konto bei { $site } angemeldet.
sessions-current = Dieser Browser
sessions-browser = { $browser } unter { $system }
sessions-unknown-browser = Unbekannter Browser
sessions-signed-in = Angemeldet am { $date }
sessions-last-seen = Zuletzt aktiv { $when }
sessions-address = Netzwerk { $ip }
sessions-end = Diesen Browser abmelden
sessions-end-all = Überall sonst abmelden
sessions-only-this = Sie sind nirgendwo sonst angemeldet.
sessions-ended = Die Sitzung wurde beendet.
sessions-ended-all = Alle anderen Sitzungen wurden beendet.
sessions-provider = Ihr { $provider } hat in seinen Einstellungen eine eigene Liste von Geräten und Apps.
