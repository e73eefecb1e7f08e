# Le pagine di fxa-gate, in italiano.

## Nomi

provider-mozilla = account Mozilla
this-site = questo sito

## Parti di ogni pagina

page-reference = Riferimento: { $id }
page-reference-help = Comunica questo riferimento ai responsabili del sito se chiedi loro aiuto.
page-signed-in-as = Hai effettuato l’accesso come { $email }.

## Link e pulsanti

link-sign-in = Accedi
link-sign-in-again = Accedi di nuovo
link-other-account = Usa un altro account
link-back = Torna all’applicazione
link-try-again = Riprova
link-account-settings = Apri le impostazioni del tuo { $provider }
link-sessions = Vedi dove hai effettuato l’accesso
link-subscribe = Vedi le offerte di abbonamento
link-step-up = Conferma con l’autenticazione in due passaggi

## Errori

error-bad-request-title = Questa richiesta non è stata compresa
error-bad-request-reason = L’indirizzo o la richiesta non ha una forma che questo sito accetta. Torna indietro e riprova.
error-unauthenticated-title = Accedi per continuare
error-unauthenticated-reason = Devi accedere per vedere questa pagina.
error-token-title = Non è stato possibile confermare il tuo accesso
error-token-reason = L’applicazione che ha inviato questa richiesta ha usato una chiave di accesso non valida o scaduta. Accedi di nuovo.
error-forbidden-title = Non hai accesso a questa pagina
error-forbidden-reason = Hai effettuato l’accesso, ma questo sito non consente al tuo account di entrare qui.
error-not-found-title = Pagina non trovata
error-not-found-reason = A questo indirizzo non c’è nulla. Controlla che non contenga errori di battitura, oppure torna all’applicazione.
error-method-title = Questa azione non è possibile qui
error-method-reason = Questa pagina non si può usare in questo modo. Torna indietro e riprova.
error-timeout-title = La richiesta ha richiesto troppo tempo
error-timeout-reason = Il tuo browser ha impiegato troppo tempo a inviare la richiesta. Controlla la connessione e riprova.
error-too-many-title = Troppe richieste
error-too-many-reason = Questo browser ha inviato troppe richieste in poco tempo. Attendi un minuto, poi riprova.
error-unavailable-title = Questo servizio al momento non è disponibile
error-unavailable-reason = Non dipende da te. Riprova tra qualche minuto.
error-provider-title = Al momento non è possibile accedere
error-provider-reason = Il tuo { $provider } non è raggiungibile, oppure ha risposto con un errore. Riprova tra qualche minuto.
error-app-title = L’applicazione non risponde
error-app-reason = L’applicazione dietro questa pagina non ha risposto in tempo, oppure non è raggiungibile. Riprova tra qualche minuto.
error-setup-title = Questo sito non è configurato correttamente
error-setup-reason = I responsabili del sito devono correggerne la configurazione. Comunica loro il riferimento qui sotto.
error-internal-title = Qualcosa è andato storto
error-internal-reason = Un problema imprevisto ha interrotto questa pagina. Riprova; se succede di nuovo, comunica il riferimento qui sotto ai responsabili del sito.
error-busy-title = Questo sito è molto occupato in questo momento
error-busy-reason = Troppe persone lo stanno usando contemporaneamente. Riprova tra un momento.
error-cross-site-title = Questa richiesta proviene da un altro sito
error-cross-site-reason = Per la tua sicurezza, questo sito accetta questa richiesta solo dalle proprie pagine, quindi non è stato modificato nulla. Torna indietro e usa il pulsante di questo sito.
error-forged-header-title = Questa richiesta è stata rifiutata
error-forged-header-reason = Il tuo browser, o qualcosa tra il browser e questo sito, ha aggiunto alla richiesta informazioni che solo questo sito può impostare. Se un’estensione del browser o uno strumento modifica le tue richieste, disattivalo per questo sito e riprova. Se succede di nuovo, comunica ai responsabili del sito il riferimento qui sotto.
error-headers-too-large-title = Questa richiesta era troppo grande
error-headers-too-large-reason = Il tuo browser ha inviato con questa richiesta più dati di quanti questo sito ne accetti, spesso a causa di cookie troppo numerosi o troppo grandi. Elimina i cookie di questo sito e riprova.
error-profile-too-large-title = Il tuo profilo non può essere usato qui
error-profile-too-large-reason = Il profilo del tuo { $provider } contiene qualcosa che questo sito non può accettare: un valore troppo lungo o troppi elementi. Accorcialo nelle impostazioni del tuo { $provider }, poi accedi di nuovo.
error-logout-incomplete-title = Sei ancora connesso
error-logout-incomplete-reason = Non è stato possibile completare la disconnessione da { $site }, quindi sei ancora connesso. Riprova tra un momento.

## Problemi di accesso

login-expired-title = Il tuo accesso è scaduto
login-expired-reason = L’accesso ha richiesto troppo tempo, oppure è stato avviato in un altro browser o finestra. Ricomincia.
login-mismatch-title = Questo accesso appartiene a un’altra finestra
login-mismatch-reason = La risposta del tuo fornitore di account non corrisponde a nessun accesso avviato in questo browser. Ricomincia da questa finestra.
login-cancelled-title = Accesso annullato
login-cancelled-reason = Hai annullato l’accesso, oppure il tuo { $provider } non lo ha consentito.
login-failed-title = L’accesso non è stato completato
login-failed-reason = Il tuo { $provider } non ha accettato questo accesso (forse era già stato usato). Ricomincia.

## Accesso effettuato, ma senza permesso

forbidden-title = Non hai accesso a questa pagina
forbidden-domain = Quest’area è riservata agli account { $domains }.
forbidden-emails = Quest’area è aperta solo ad alcuni account.
forbidden-plan = Quest’area richiede un abbonamento { $plan }.
forbidden-plan-how = Se ti sei appena abbonato, accedi di nuovo perché l’abbonamento venga riconosciuto.
forbidden-scope = Il tuo accesso non ha concesso un’autorizzazione di cui quest’area ha bisogno.
forbidden-two-step = Quest’area richiede l’autenticazione in due passaggi.
forbidden-two-step-how = Attiva l’autenticazione in due passaggi nelle impostazioni del tuo { $provider }, poi accedi di nuovo.
forbidden-assurance = Quest’area richiede un accesso più sicuro di quello che il tuo fornitore di account può confermare.
forbidden-other-account = Se hai un altro account ammesso qui, accedi con quello.

## Autenticazione in due passaggi richiesta, ma non usata

step-up-title = Serve l’autenticazione in due passaggi
step-up-reason = Quest’area ti chiede di confermare la tua identità con un secondo passaggio, come un codice di un’app di autenticazione. Il tuo accesso non ne ha usato uno.
step-up-how = Attiva l’autenticazione in due passaggi nelle impostazioni del tuo { $provider }, poi riprova.

## Disconnessione

signed-out-title = Ti sei disconnesso
signed-out-reason = Ti sei disconnesso da { $site }.
signed-out-provider = Sei ancora connesso al tuo { $provider } in questo browser, quindi un nuovo accesso potrebbe non chiederti la password. Per disconnetterti anche da lì, usa le sue impostazioni.

## Confermare la disconnessione

logout-title = Vuoi disconnetterti?
logout-reason = Vuoi disconnetterti da { $site }?
logout-button = Disconnetti

## Dove hai effettuato l’accesso

sessions-title = Dove hai effettuato l’accesso
sessions-intro = Questi browser e dispositivi hanno effettuato l’accesso a { $site } con il tuo account.
sessions-current = Questo browser
sessions-browser = { $browser } su { $system }
sessions-unknown-browser = Browser sconosciuto
sessions-signed-in = Accesso effettuato il { $date }
sessions-last-seen = Ultima attività { $when }
sessions-address = Rete { $ip }
sessions-end = Disconnetti questo browser
sessions-end-all = Disconnetti ovunque tranne qui
sessions-only-this = Non hai effettuato l’accesso da nessun’altra parte.
sessions-ended = La sessione è stata chiusa.
sessions-ended-all = Tutte le altre sessioni sono state chiuse.
sessions-provider = Il tuo { $provider } ha un proprio elenco di dispositivi e app nelle sue impostazioni.
